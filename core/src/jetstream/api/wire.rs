//! Serde helpers shared by the wire types: string enums as strictly as nats-server reads them,
//! `null` read as the zero value (as Go's `encoding/json` leaves a field untouched), and the
//! `omitempty` predicates.

use serde::{Deserialize, Deserializer};

/// Defines a string enum with nats-server's wire strings: `as_str`, `from_wire` (strict:
/// only the listed strings, plus aliases after `|`; `ignore_case` folds ASCII case first),
/// `Display`, `Serialize` and `Deserialize`. Mark the zero value with `#[default]`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)* ),+ $(,)?
        }
        $(ignore_case = $ic:literal)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// The string nats-server writes for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// Reads the wire string as nats-server does; `None` for anything else.
            pub fn from_wire(text: &str) -> Option<$name> {
                const IGNORE_CASE: bool = false $(|| $ic)?;
                let folded;
                let text = if IGNORE_CASE {
                    folded = text.to_ascii_lowercase();
                    folded.as_str()
                } else {
                    text
                };
                match text {
                    $( $text $(| $alias)* => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text: alloc::string::String = serde::Deserialize::deserialize(deserializer)?;
                $name::from_wire(&text).ok_or_else(|| {
                    serde::de::Error::custom(core::format_args!(
                        "can not unmarshal {:?} into {}",
                        text,
                        stringify!($name)
                    ))
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Deserializes `null` (or an absent field, with `#[serde(default)]`) as `T::default()`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// `omitempty` for any type whose zero value is its `Default`.
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// `omitempty` for `bool`.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}
