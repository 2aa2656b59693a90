//! Client authentication: token, single user, users list; plain or bcrypt secrets.

use rill_core::proto::json::ConnectInfo;

use crate::options::AuthOptions;

/// Who a connection authenticated as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// User name, when users are configured.
    pub user: Option<String>,
    /// Account name (`$G` unless the user belongs to an `accounts` entry).
    pub account: String,
}

/// Checks CONNECT credentials against the configured authorization.
#[derive(Debug, Clone)]
pub struct Authenticator {
    opts: AuthOptions,
}

/// Whether a secret is a bcrypt hash (`$2a$`, `$2b$`, `$2x$`, `$2y$`).
pub fn is_bcrypt(secret: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"]
        .iter()
        .any(|p| secret.starts_with(p))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares a presented secret with a configured one (bcrypt or plain, constant time).
fn secret_matches(configured: &str, presented: &str) -> bool {
    if is_bcrypt(configured) {
        bcrypt::verify(presented, configured).unwrap_or(false)
    } else {
        constant_time_eq(configured.as_bytes(), presented.as_bytes())
    }
}

impl Authenticator {
    /// From the server's options.
    pub fn new(opts: AuthOptions) -> Self {
        Authenticator { opts }
    }

    /// Whether CONNECT must carry credentials.
    pub fn required(&self) -> bool {
        self.opts.required()
    }

    /// Plain-text passwords or tokens in the configuration (worth a warning at start-up).
    pub fn has_plaintext_secrets(&self) -> bool {
        self.opts.token.as_deref().is_some_and(|t| !is_bcrypt(t))
            || self.opts.users.iter().any(|u| !is_bcrypt(&u.password))
    }

    /// Only users of the system account are configured (no token, no other user).
    fn only_system_users(&self) -> bool {
        self.opts.token.is_none()
            && self.opts.no_auth_user.is_none()
            && !self.opts.users.is_empty()
            && self
                .opts
                .users
                .iter()
                .all(|u| u.account.as_deref() == Some("$SYS"))
    }

    /// Checks credentials. May run bcrypt: call it off the async executor's hot threads.
    pub fn authenticate(&self, c: &ConnectInfo) -> Option<Identity> {
        let global = || "$G".to_string();
        if !self.required() {
            return Some(Identity {
                user: None,
                account: global(),
            });
        }
        let no_creds = c.auth_token.is_none() && c.user.is_none() && c.pass.is_none();
        if no_creds {
            if self.only_system_users() {
                // As nats-server: users of the system account alone keep everyone else
                // anonymous in the global account.
                return Some(Identity {
                    user: None,
                    account: global(),
                });
            }
            let name = self.opts.no_auth_user.as_deref()?;
            let u = self.opts.users.iter().find(|u| u.user == name)?;
            return Some(Identity {
                user: Some(u.user.clone()),
                account: u.account.clone().unwrap_or_else(global),
            });
        }
        if let Some(token) = &self.opts.token {
            // A URL with only a user name arrives as `user`: treat it as the token.
            let presented = c
                .auth_token
                .as_deref()
                .or(c.user.as_deref().filter(|_| c.pass.is_none()));
            if presented.is_some_and(|p| secret_matches(token, p)) {
                return Some(Identity {
                    user: None,
                    account: global(),
                });
            }
        }
        let (user, pass) = (c.user.as_deref()?, c.pass.as_deref().unwrap_or(""));
        let entry = self.opts.users.iter().find(|u| u.user == user)?;
        secret_matches(&entry.password, pass).then(|| Identity {
            user: Some(entry.user.clone()),
            account: entry.account.clone().unwrap_or_else(global),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::UserEntry;

    fn connect(token: Option<&str>, user: Option<&str>, pass: Option<&str>) -> ConnectInfo {
        ConnectInfo {
            auth_token: token.map(str::to_string),
            user: user.map(str::to_string),
            pass: pass.map(str::to_string),
            ..ConnectInfo::default()
        }
    }

    fn users(list: &[(&str, &str)]) -> AuthOptions {
        AuthOptions {
            users: list
                .iter()
                .map(|(u, p)| UserEntry {
                    user: u.to_string(),
                    password: p.to_string(),
                    account: None,
                })
                .collect(),
            ..AuthOptions::default()
        }
    }

    #[test]
    fn open_server_accepts_anyone() {
        let a = Authenticator::new(AuthOptions::default());
        assert!(a.authenticate(&connect(None, None, None)).is_some());
    }

    #[test]
    fn token_must_match() {
        let a = Authenticator::new(AuthOptions {
            token: Some("s3cr3t".into()),
            ..Default::default()
        });
        assert!(a
            .authenticate(&connect(Some("s3cr3t"), None, None))
            .is_some());
        assert!(a.authenticate(&connect(Some("nope"), None, None)).is_none());
        assert!(a.authenticate(&connect(None, None, None)).is_none());
        assert!(a
            .authenticate(&connect(None, Some("s3cr3t"), None))
            .is_some());
    }

    #[test]
    fn users_with_plain_and_bcrypt_passwords() {
        let hash = bcrypt::hash("pw2", 4).unwrap();
        let a = Authenticator::new(users(&[("alice", "pw1"), ("bob", &hash)]));
        assert_eq!(
            a.authenticate(&connect(None, Some("alice"), Some("pw1")))
                .unwrap()
                .user
                .as_deref(),
            Some("alice")
        );
        assert!(a
            .authenticate(&connect(None, Some("alice"), Some("pw2")))
            .is_none());
        assert!(a
            .authenticate(&connect(None, Some("bob"), Some("pw2")))
            .is_some());
        assert!(a
            .authenticate(&connect(None, Some("bob"), Some("pw1")))
            .is_none());
        assert!(a
            .authenticate(&connect(None, Some("carol"), Some("pw1")))
            .is_none());
    }

    #[test]
    fn seed_bcrypt_form_is_recognised() {
        assert!(is_bcrypt(
            "$2a$11$GUizXsS82Y.dll.uZXDic.qMDePF2IT6d3t5iWIs.rQ3lY1p6mDKC"
        ));
        assert!(!is_bcrypt("plain"));
    }

    #[test]
    fn no_auth_user_covers_anonymous_clients() {
        let mut opts = users(&[("anon", "x")]);
        opts.no_auth_user = Some("anon".into());
        let a = Authenticator::new(opts);
        assert_eq!(
            a.authenticate(&connect(None, None, None))
                .unwrap()
                .user
                .as_deref(),
            Some("anon")
        );
    }

    #[test]
    fn system_account_users_alone_leave_anonymous_clients_in_the_global_account() {
        let mut opts = users(&[("admin", "s3cret")]);
        opts.users[0].account = Some("$SYS".into());
        let auth = Authenticator::new(opts);
        assert!(auth.required());
        assert_eq!(
            auth.authenticate(&connect(None, None, None))
                .unwrap()
                .account,
            "$G"
        );
        let admin = auth
            .authenticate(&connect(None, Some("admin"), Some("s3cret")))
            .unwrap();
        assert_eq!(admin.account, "$SYS");
        assert!(auth
            .authenticate(&connect(None, Some("admin"), Some("bad")))
            .is_none());
        assert!(auth
            .authenticate(&connect(None, Some("other"), Some("x")))
            .is_none());
    }
}
