import asyncio, nats, sys
async def main(na, nb):
    a = await nats.connect("nats://127.0.0.1:14301"); b = await nats.connect("nats://127.0.0.1:14302")
    c = {"a":0,"b":0}
    async def ca(m): c["a"]+=1
    async def cb(m): c["b"]+=1
    subs=[]
    for _ in range(na): subs.append(await a.subscribe("w", queue="q", cb=ca))
    for _ in range(nb): subs.append(await b.subscribe("w", queue="q", cb=cb))
    await a.flush(); await b.flush(); await asyncio.sleep(0.5)
    for i in range(2000): await b.publish("w", b"x")
    await b.flush(); await asyncio.sleep(1); print(na, "remote members on A,", nb, "local on B (publisher):", c)
    await a.close(); await b.close()
asyncio.run(main(1,1)); asyncio.run(main(3,1)); asyncio.run(main(1,3))
