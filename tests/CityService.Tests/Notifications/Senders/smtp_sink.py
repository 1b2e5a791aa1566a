"""An aiosmtpd handler for the e-mail tests: writes each message it receives, as received, to a folder.

Run with Debian's python3-aiosmtpd:
    PYTHONPATH=<this folder> /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIRECTORY
Each message becomes DIRECTORY/<n>.eml (n counting from 1), written to a temporary name and renamed, so a reader
never sees half a message. It never prints what it receives.
"""
import itertools
import os


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.Sink needs one argument: the folder to write messages to")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        number = next(self.numbers)
        temporary = os.path.join(self.directory, f".{number}.tmp")
        with open(temporary, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(temporary, os.path.join(self.directory, f"{number}.eml"))
        return "250 Message accepted for delivery"
