#!/usr/bin/env python3
"""A client of the chat's plain WebSocket endpoint (GET /ws), using only python3-websocket (websocket-client).

Connects with a token, joins a room, optionally sends a message, then prints every frame it receives as one
JSON line: answers to its requests ({"id", "ok", "data"|"error"}) and server events ({"event", "data"}).

    python3 examples/ws_client.py --url ws://localhost:3000/ws --token "$TOKEN" --room general --send "hello"

On Debian: apt-get install python3-websocket (and run it with Debian's /usr/bin/python3).
"""
import argparse
import itertools
import json
import sys
import time

import websocket


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://localhost:3000/ws", help="the /ws endpoint of any node")
    parser.add_argument("--token", required=True, help="a JWT of the identity provider (npm run token -- --sub alice)")
    parser.add_argument("--room", default="general")
    parser.add_argument("--send", help="a message to send once joined")
    parser.add_argument("--seconds", type=float, default=0, help="stop listening after this long (0: until the server closes)")
    return parser.parse_args()


def main():
    args = parse_arguments()
    try:
        # the header keeps the token out of proxies' access logs (`?token=` works too); no Origin header: this is
        # not a browser page, and the server applies its CORS origin list to requests that carry one
        ws = websocket.create_connection(args.url, header=["Authorization: Bearer " + args.token], suppress_origin=True)
    except websocket.WebSocketBadStatusException as refused:
        # 401 (token_missing, token_invalid, token_expired, token_revoked), 403 (banned), 429, 503
        print(f"refused: HTTP {refused.status_code}", file=sys.stderr)
        return 1

    request_ids = itertools.count(1)

    def request(event, data):
        ws.send(json.dumps({"id": next(request_ids), "event": event, "data": data}))

    request("room:join", {"room": args.room})
    if args.send:
        request("message:send", {"room": args.room, "content": args.send})

    deadline = time.monotonic() + args.seconds if args.seconds else None
    while True:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ws.settimeout(remaining)
        try:
            # recv() answers the server's pings by itself, which keeps the connection alive
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            break
        except websocket.WebSocketConnectionClosedException:
            print("closed by the server", file=sys.stderr)
            return 0
        print(json.dumps(json.loads(frame), ensure_ascii=False), flush=True)
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
