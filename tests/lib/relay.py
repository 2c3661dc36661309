#!/usr/bin/env python3
"""A TCP relay that delays what it carries, for the jitter this kernel's missing
netem cannot give: each chunk read from either side is written to the other
DELAY_MS later, plus a random 0..JITTER_MS (per chunk, uniform), never before
a chunk read earlier (TCP keeps its order). Both directions alike, so the
delay is symmetric and a clock estimated through it stays right on average.

usage: relay.py LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS JITTER_MS [SEED]
Prints "ready" on stdout once listening; serves until killed.
"""
import asyncio
import random
import sys
import time


async def pump(reader, writer, delay, jitter, rng):
    last = 0.0
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.ensure_future(sender())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            due = max(time.monotonic() + delay + rng.uniform(0, jitter), last)
            last = due
            queue.put_nowait((due, data))
    except ConnectionError:
        pass
    queue.put_nowait((0, None))
    await task


async def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    port, host, tport = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    delay, jitter = float(sys.argv[4]) / 1000, float(sys.argv[5]) / 1000
    rng = random.Random(int(sys.argv[6]) if len(sys.argv) == 7 else 1)

    async def serve(creader, cwriter):
        try:
            treader, twriter = await asyncio.open_connection(host, tport)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pump(creader, twriter, delay, jitter, rng),
                             pump(treader, cwriter, delay, jitter, rng), return_exceptions=True)

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
