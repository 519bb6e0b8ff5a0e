#!/usr/bin/python3
"""SMTP servers for the live-check tests (tests/t_live*.sh).

Listens on 127.0.0.1, on a port the kernel picks, writes that port to
--portfile once it listens, and serves until killed.

  --mode aiosmtpd   a real SMTP server (python3-aiosmtpd, Debian package)
                    with --cert PEM (key and chain; --key when the key is
                    elsewhere) for STARTTLS or, with --implicit-tls, for
                    SMTPS; --auth before|after|none says when AUTH is
                    offered; --max-tls 1.1 caps the protocol version;
                    without --cert, no STARTTLS.
  --mode silent     accepts and never writes
  --mode banner421  "421 ... go away" and closes
  --mode banner554  a multi-line "554-..." refusal with a control character
  --mode endless    "220-x" lines forever (a reply that never ends)
  --mode trickle    a "220-x" line every 0.3 s, never the last one
  --mode longline   a banner line without end
  --mode inject     STARTTLS answered with "220 go ahead" plus extra bytes
                    before the handshake (CVE-2011-0411 style)
  --mode refuse454  STARTTLS offered, then refused with 454
  --mode badtls     STARTTLS accepted, then bytes that are not TLS
"""

import argparse
import asyncio
import os
import socket
import ssl
import sys
import threading
import warnings


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key or args.cert)
    if args.max_tls == "1.1":
        warnings.simplefilter("ignore", DeprecationWarning)
        # OpenSSL 3 refuses TLS 1.0/1.1 at the default security level.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


def run_aiosmtpd(args):
    from aiosmtpd.smtp import SMTP, AuthResult

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname,
                              responses):
            session.host_name = hostname
            if args.auth == "none":
                # aiosmtpd offers its built-in LOGIN and PLAIN anyway.
                responses = [r for r in responses if "AUTH" not in r]
            return responses

        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False)

    ctx = tls_context(args) if args.cert else None
    kwargs = dict(hostname="mail.example.com")
    if args.auth != "none":
        kwargs["authenticator"] = authenticator
        # Over implicit TLS aiosmtpd does not see a TLS session of its
        # own: AUTH is then offered only when TLS is not required.
        kwargs["auth_require_tls"] = (args.auth == "after" and
                                      not args.implicit_tls)
    if ctx is not None and not args.implicit_tls:
        kwargs["tls_context"] = ctx

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(Handler(), loop=loop, **kwargs), "127.0.0.1", 0,
        ssl=ctx if args.implicit_tls else None))
    write_port(args.portfile, server.sockets[0].getsockname()[1])
    loop.run_forever()


def serve_raw(args, talk):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    write_port(args.portfile, lsock.getsockname()[1])
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=guarded, args=(talk, conn),
                         daemon=True).start()


def guarded(talk, conn):
    try:
        talk(conn)
    except OSError:
        pass
    finally:
        conn.close()


def silent(conn):
    threading.Event().wait(3600)


def banner421(conn):
    conn.sendall(b"421 mail.example.com go away, too busy\r\n")
    conn.recv(1024)


def banner554(conn):
    conn.sendall(b"554-mail.example.com no SMTP service here\r\n"
                 b"554 \x1b[31mcontact postmaster|now\r\n")
    conn.recv(1024)


def endless(conn):
    while True:
        conn.sendall(b"220-x\r\n" * 64)


def trickle(conn):
    while True:
        conn.sendall(b"220-x\r\n")
        threading.Event().wait(0.3)


def longline(conn):
    conn.sendall(b"220 ")
    while True:
        conn.sendall(b"x" * 4096)


def offer_starttls(conn, answer):
    """Offer STARTTLS after EHLO; call answer(conn) on STARTTLS."""
    f = conn.makefile("rb")
    conn.sendall(b"220 mail.example.com ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            conn.sendall(b"250-mail.example.com\r\n250 STARTTLS\r\n")
        elif cmd == b"STARTTLS":
            answer(conn)
            return
        else:
            conn.sendall(b"502 no\r\n")


def inject(conn):
    def answer(c):
        c.sendall(b"220 go ahead\r\n250-injected\r\n")
        c.recv(1024)
    offer_starttls(conn, answer)


def refuse454(conn):
    # What qmail-smtpd's TLS patch says when it cannot load its files.
    def answer(c):
        c.sendall(b"454 TLS no valid RSA private key: unsupported "
                  b"(#4.3.0)\r\n")
        c.recv(1024)
    offer_starttls(conn, answer)


def badtls(conn):
    def answer(c):
        c.sendall(b"220 ready to start TLS\r\n")
        c.recv(4096)    # the ClientHello
        c.sendall(b"this is not TLS\r\n")
        c.recv(1024)
    offer_starttls(conn, answer)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", required=True,
                   choices=["aiosmtpd", "silent", "banner421", "banner554",
                            "endless", "trickle", "longline", "inject",
                            "refuse454", "badtls"])
    p.add_argument("--portfile", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth", choices=["before", "after", "none"],
                   default="none")
    p.add_argument("--max-tls", choices=["1.1"])
    args = p.parse_args()
    if args.mode == "aiosmtpd":
        run_aiosmtpd(args)
    else:
        serve_raw(args, globals()[args.mode])


if __name__ == "__main__":
    sys.exit(main())
