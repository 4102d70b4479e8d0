"""A chat client written with Debian's python3-socketio, driven by test/e2e/python-client.e2e-spec.ts.

Usage: python-chat-client.py <node url> <token> <room> <websocket|polling>
Connects to /chat, joins the room, sends one message, waits for one message from someone else, then exits 0.
Each step is printed as one JSON line on stdout so that the test can follow it.
"""
import json
import sys
import threading

import socketio

STEP_TIMEOUT_S = 10


def report(step, data=None):
    print(json.dumps({"step": step, "data": data}), flush=True)


def main():
    url, token, room, transport = sys.argv[1:5]
    received = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("message", namespace="/chat")
    def on_message(message):
        if message.get("room") == room:
            report("received", message)
            received.set()

    client.connect(url, auth={"token": token}, transports=[transport], namespaces=["/chat"], wait_timeout=STEP_TIMEOUT_S)
    report("connected", client.transport())
    report("joined", client.call("room:join", {"room": room}, namespace="/chat", timeout=STEP_TIMEOUT_S))
    report("sent", client.call("message:send", {"room": room, "content": f"hello from python over {transport}"}, namespace="/chat", timeout=STEP_TIMEOUT_S))
    if not received.wait(STEP_TIMEOUT_S):
        report("timeout", "no message from anyone else")
        client.disconnect()
        sys.exit(2)
    client.disconnect()


if __name__ == "__main__":
    main()
