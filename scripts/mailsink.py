"""A local SMTP sink for development and tests: every mail is kept as a .eml file.

CKAN's mailer sends to it (smtp.server = 127.0.0.1:8025), so notifications can be read from
var/mail without a real mail server.
"""
import argparse
import asyncio
import pathlib
import time
import uuid

from aiosmtpd.controller import Controller


class KeepHandler:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        header = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        (self.folder / name).write_bytes(header.encode() + envelope.original_content)
        print(f"kept {name} for {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="var/mail")
    args = parser.parse_args()
    controller = Controller(KeepHandler(pathlib.Path(args.dir)), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"SMTP sink on 127.0.0.1:{args.port}, keeping mail in {args.dir}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
