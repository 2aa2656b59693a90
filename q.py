import asyncio, nats
async def main():
    a = await nats.connect("nats://127.0.0.1:14301"); b = await nats.connect("nats://127.0.0.1:14302")
    c = {"a":0,"b":0}
    async def ca(m): c["a"]+=1
    async def cb(m): c["b"]+=1
    await a.subscribe("w", queue="q", cb=ca); await b.subscribe("w", queue="q", cb=cb)
    await a.flush(); await b.flush(); await asyncio.sleep(0.5)
    for i in range(200): await b.publish("w", b"x")
    await b.flush(); await asyncio.sleep(0.5); print(c)
asyncio.run(main())
