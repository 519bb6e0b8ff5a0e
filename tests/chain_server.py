"""tests/chain_server.py PEMFILE: serve one TLS handshake with PEMFILE.

Loads the key and the chain the way qmail's TLS patch does
(SSL_CTX_use_certificate_chain_file through Python's load_cert_chain), so
that a client sees whether the intermediates in the file are sent: openssl
s_server -cert sends the leaf only.  Run as the reader (setpriv); prints the
port it listens on (127.0.0.1, chosen by the kernel), answers one connection,
and exits; exit status 2 if PEMFILE cannot be loaded.
"""
import socket
import ssl
import sys


def main():
    pem = sys.argv[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(pem)
    except (OSError, ssl.SSLError) as e:
        print("chain_server: cannot load %s: %s" % (pem, e), file=sys.stderr)
        return 2
    srv = socket.socket()
    srv.settimeout(20)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print(srv.getsockname()[1], flush=True)
    conn, _ = srv.accept()
    conn.settimeout(10)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)
    except (OSError, ssl.SSLError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
