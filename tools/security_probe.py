#!/usr/bin/env python3
"""Probes a running portal (release build, --demo) as an attacker would: 200 wrong codes at once on
one dossier, 50 bodies of 64 MiB at once, and the security headers of /, /dossier and a server
function. Usage: tools/security_probe.py http://127.0.0.1:3999 <server pid>  (docs/PERFORMANCE.md)."""
import concurrent.futures, urllib.request, urllib.parse, sys, json, base64, subprocess, time, os, socket, http.client
base = sys.argv[1]; pid = int(sys.argv[2])
host, port = base.replace("http://","").split(":")
def sign_in(code):
    data = urllib.parse.urlencode({"dossier":"ISB-2000-000002","secret":code}).encode()
    req = urllib.request.Request(base+"/api/sign_in", data=data, headers={"accept":"text/html","referer":base+"/","content-type":"application/x-www-form-urlencoded"})
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k): return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        r = opener.open(req); loc = r.headers.get("location","")
    except urllib.error.HTTPError as e:
        loc = e.headers.get("location","")
    q = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)
    err = q.get("__err",[""])[0]
    try: return list(json.loads(base64.b64decode(err + "==").decode()).keys())[0]
    except Exception: return "?" + loc[:80]
with concurrent.futures.ThreadPoolExecutor(200) as ex:
    import itertools
    letters = "ABCDEFGHJKMNPQRSTUVWXYZ"
    codes = ["ZZZZ-ZZZZ-" + "".join(p) for p in itertools.islice(itertools.product(letters, repeat=4), 200)]
    results = list(ex.map(sign_in, codes))
from collections import Counter
print("200 parallel wrong codes:", dict(Counter(results)))
def rss():
    st = open(f"/proc/{pid}/status").read()
    return {l.split(":")[0]: l.split(":")[1].strip() for l in st.splitlines() if l.startswith(("VmRSS","VmHWM"))}
print("memory before:", rss())
def big(_):
    s = socket.create_connection((host, int(port)))
    s.sendall(f"POST /api/sign_in HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {64*1024*1024}\r\n\r\n".encode())
    sent = 0; chunk = b"a"*65536
    s.settimeout(10)
    try:
        while sent < 64*1024*1024:
            s.sendall(chunk); sent += len(chunk)
    except Exception: pass
    try: line = s.recv(200).split(b"\r\n")[0].decode()
    except Exception as e: line = str(e)
    s.close(); return line, sent
with concurrent.futures.ThreadPoolExecutor(50) as ex:
    out = list(ex.map(big, range(50)))
print("50 x 64 MiB:", Counter(o[0] for o in out), "bytes sent before the answer (max):", max(o[1] for o in out))
print("memory after:", rss())
# A real session for the header probe (the consumer demo dossier; the business one is locked now).
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/api/sign_in", body=urllib.parse.urlencode({"dossier":"ISB-2000-000001","secret":"DEMA-ENER-GY26"}), headers={"content-type":"application/x-www-form-urlencoded","accept":"text/html","referer":base+"/"})
r = c.getresponse(); r.read()
cookie = [v.split(";")[0] for k, v in r.getheaders() if k.lower()=="set-cookie" and v.startswith("dp_session=")][0]
for path, method in [("/", "GET"), ("/dossier", "GET"), ("/api/claim_overview", "POST")]:
    c = http.client.HTTPConnection(host, int(port)); c.request(method, path, headers={"cookie": cookie}); r = c.getresponse()
    print(method, path, r.status); [print("  ", k+":", v) for k, v in r.getheaders() if k.lower() not in ("date","content-length","transfer-encoding","vary","content-type")]
