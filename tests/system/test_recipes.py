# SPDX-License-Identifier: MIT
"""docs/recipes.md, run as written: each test reads its recipe's blocks from the page (and
docs/examples/database.json for postgres), changes only ports and paths, starts the real
server under lastcall, and checks what the recipe promises against a control run with the
setting the recipe warns about. The control runs beside the recipe, at the same time.

    python3 -m pytest tests/system/test_recipes.py -s        # prints what each run measured
"""
import glob
import http.client
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "lb_helpers"))
import lbsupport  # noqa: E402
from lbsupport import procs, shared_dir  # noqa: E402,F401  (fixtures)

REPO = lbsupport.REPO


def recipe_command(name, mapping, program="lastcall"):
    """The recipe's command line, its ports and paths replaced, split into words."""
    return lbsupport.command_words(lbsupport.substitute(lbsupport.recipe_block(name), mapping), program)


def lastcall_argv(words):
    """Drops the word `lastcall`: Procs.lastcall() puts the binary (and --log-format json)
    first."""
    assert words[0] == "lastcall", words
    return words[1:]


def without_option(words, option):
    """The words without `option VALUE` (the control run)."""
    i = words.index(option)
    return words[:i] + words[i + 2:]


def wait_serving(runs, serving, timeout, what, interval=0.02):
    """Waits until serving(run) holds for each run (or its lastcall has ended, which fails
    the test with lastcall's log)."""
    for name, run in runs.items():
        lbsupport.wait_for(lambda: serving(run) or not run["lc"].running(), timeout,
                           "%s (%s)" % (what, name), interval=interval)
        assert run["lc"].running(), run["lc"].err[-3000:]


def stop_all(runs, sig=signal.SIGTERM):
    """Sends sig to every run's lastcall, then keeps each one's exit code in run["code"]."""
    for run in runs.values():
        run["lc"].send(sig)
    for run in runs.values():
        run["code"] = run["lc"].wait(30)


def process_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))


def owned_dir(path, user):
    path.mkdir()
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


# -- the docs ----------------------------------------------------------------------------------

def test_cli_md_web_server_example_is_the_nginx_recipe():
    """docs/cli.md's web-server example uses the nginx recipe's options, which were measured."""
    recipe = lbsupport.command_words(lbsupport.recipe_block("nginx"))
    text = (REPO / "docs" / "cli.md").read_text()
    lines = [l.strip() for l in text.splitlines() if l.strip().startswith("lastcall ") and "nginx" in l]
    assert len(lines) == 1, lines
    example = lbsupport.command_words(lines[0])
    assert example[:example.index("--")] == recipe[:recipe.index("--")], (example, recipe)
    assert "daemon off;" in example


# -- nginx -------------------------------------------------------------------------------------

NGINX_CONF = """user www-data;
worker_processes 2;
pid {dir}/nginx.pid;
error_log stderr notice;
{recipe}
events {{ worker_connections 256; }}
http {{
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location / {{ limit_rate 64k; }}
    }}
}}
"""
DOWNLOAD_BYTES = 320 * 1024   # 5 s at 64 KiB/s: still running when the stop signal comes at 3 s
DOWNLOADS = 12


class Download(threading.Thread):
    """GET /big.bin; `first` is set once the first bytes arrived; `complete` once every byte
    of Content-Length did; `ended` is when it ended (Unix time)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.first = threading.Event()
        self.received = 0
        self.complete = False
        self.ended = None
        self.error = None

    def run(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            conn.request("GET", "/big.bin", headers={"Connection": "close"})
            r = conn.getresponse()
            while True:
                chunk = r.read1(16384) if hasattr(r, "read1") else r.read(16384)
                if not chunk:
                    break
                self.received += len(chunk)
                self.first.set()
            self.complete = r.status == 200 and self.received == DOWNLOAD_BYTES
        except (OSError, http.client.HTTPException) as e:
            self.error = repr(e)
        finally:
            self.ended = time.time()
            self.first.set()


@pytest.mark.timeout(40)
def test_nginx_stop_signal_quit_completes_the_requests_in_flight(procs, shared_dir):
    """nginx: `--stop-signal QUIT` is its graceful shutdown, the downloads in flight complete;
    with the trigger's SIGTERM (fast shutdown) they are cut."""
    lbsupport.need_root()
    lbsupport.need_tools("nginx")
    www = shared_dir / "www"
    www.mkdir(mode=0o755)
    (www / "big.bin").write_bytes(os.urandom(DOWNLOAD_BYTES))
    os.chmod(www / "big.bin", 0o644)

    runs = {}
    for name in ("recipe", "sigterm"):
        port, admin = lbsupport.free_ports(2)
        d = shared_dir / name
        d.mkdir()
        conf = d / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=d, port=port, www=www, recipe=lbsupport.recipe_block("nginx-conf")))
        words = recipe_command("nginx", {"9001": admin, "/etc/nginx/nginx.conf": conf})
        if name == "sigterm":
            words = without_option(words, "--stop-signal")
        lc = procs.lastcall(lastcall_argv(words), "nginx-" + name)
        runs[name] = {"port": port, "lc": lc}
    wait_serving(runs, lambda run: lbsupport.port_open(run["port"]), 10, "nginx to listen")
    for run in runs.values():
        run["downloads"] = [Download(run["port"]) for _ in range(DOWNLOADS)]
        for dl in run["downloads"]:
            dl.start()
    for run in runs.values():
        for dl in run["downloads"]:
            assert dl.first.wait(10) and dl.error is None, dl.error
    stop_all(runs)

    for name, run in runs.items():
        for dl in run["downloads"]:
            dl.join(15)
        signaled = run["lc"].wait_event("child_signaled", timeout=1)
        run["completed"] = sum(dl.complete for dl in run["downloads"])
        print("\nnginx, stop signal %s: %d of %d downloads in flight completed" % (
            signaled["signal"], run["completed"], DOWNLOADS))
        run["signal"] = signaled["signal"]
        run["signaled_at"] = lbsupport.ts_seconds(signaled)

    recipe, control = runs["recipe"], runs["sigterm"]
    assert recipe["signal"] == "SIGQUIT" and control["signal"] == "SIGTERM"
    assert recipe["code"] == 0, recipe["lc"].err[-3000:]
    assert recipe["completed"] == DOWNLOADS, [(d.received, d.error) for d in recipe["downloads"]]
    # They were in flight at the stop signal: each ended after it.
    assert all(d.ended > recipe["signaled_at"] for d in recipe["downloads"])
    assert control["completed"] == 0, [(d.received, d.error) for d in control["downloads"]]


# -- gunicorn ----------------------------------------------------------------------------------

SLOW_SECONDS = 5   # longer than the recipe's 3 s drain: in flight when the stop signal comes


@pytest.mark.timeout(40)
def test_gunicorn_stop_signal_term_completes_the_requests_in_flight(procs, shared_dir):
    """gunicorn: with `--stop-signal TERM`, a Ctrl+C (SIGINT to lastcall) stops it gracefully
    and the requests in flight complete; without it gunicorn gets SIGINT, its quick shutdown,
    and they are cut."""
    lbsupport.need_tools("gunicorn")
    runs = {}
    for name in ("recipe", "sigint"):
        port, admin = lbsupport.free_ports(2)
        words = recipe_command("gunicorn", {"8081": port, "9001": admin, "app:app": "wsgi_app:app"})
        workers = int(words[words.index("--workers") + 1])
        if name == "sigint":
            words = without_option(words, "--stop-signal")
        lc = procs.lastcall(lastcall_argv(words), "gunicorn-" + name, cwd=str(lbsupport.HERE))
        marks = shared_dir / name
        marks.mkdir()
        runs[name] = {"port": port, "lc": lc, "marks": marks, "results": []}
    wait_serving(runs, lambda run: lbsupport.http_status("http://127.0.0.1:%d/" % run["port"]) == 200, 15,
                 "gunicorn to answer")
    for run in runs.values():
        for i in range(workers):
            t = threading.Thread(target=slow_request, args=(run, i), daemon=True)
            t.start()
            run.setdefault("threads", []).append(t)
    for name, run in runs.items():  # one request per sync worker, each taken by a worker
        lbsupport.wait_for(lambda: len(os.listdir(run["marks"])) == workers, 10,
                           "gunicorn (%s) workers to take %d requests" % (name, workers))
    stop_all(runs, signal.SIGINT)

    for run in runs.values():
        for t in run["threads"]:
            t.join(15)
        signaled = run["lc"].wait_event("child_signaled", timeout=1)
        run["signal"] = signaled["signal"]
        run["completed"] = sum(1 for status, _ in run["results"] if status == 200)
        print("\ngunicorn, stop signal %s after a SIGINT: %d of %d requests in flight completed" % (
            run["signal"], run["completed"], workers))

    recipe, control = runs["recipe"], runs["sigint"]
    assert recipe["signal"] == "SIGTERM" and control["signal"] == "SIGINT"
    assert recipe["completed"] == workers, recipe["results"]
    assert recipe["code"] == 0, recipe["lc"].err[-3000:]
    assert control["completed"] == 0, control["results"]


def slow_request(run, i):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", run["port"], timeout=20)
        conn.request("GET", "/slow?s=%d&mark=%s" % (SLOW_SECONDS, run["marks"] / str(i)))
        r = conn.getresponse()
        run["results"].append((r.status, r.read()))
    except (OSError, http.client.HTTPException) as e:
        run["results"].append((None, repr(e)))


# -- redis -------------------------------------------------------------------------------------

REDIS_CONF = """# as Debian's redis.conf: daemonize yes, which the recipe's --daemonize no overrides
daemonize yes
bind 127.0.0.1
port {port}
dir {data}
dbfilename dump.rdb
save ""
appendonly no
logfile ""
"""


class Writer(threading.Thread):
    """INCR c over one connection as fast as redis answers, until it refuses; `acked` is the
    last value redis acknowledged."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.acked = 0
        self.stop = threading.Event()

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        f = s.makefile("rb")
        try:
            while not self.stop.is_set():
                s.sendall(b"INCR c\r\n")
                line = f.readline()
                if not line.startswith(b":"):
                    break
                self.acked = int(line[1:])
        except OSError:
            pass
        finally:
            s.close()


def redis_value(data_dir, procs, name):
    """GET c from the snapshot in data_dir, read by a redis of its own (no lastcall)."""
    port = lbsupport.free_ports(1)[0]
    p = procs.start(["redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", data_dir,
                     "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--daemonize", "no"],
                    "redis-read-" + name)
    lbsupport.wait_for(lambda: lbsupport.port_open(port), 10, "redis to load %s" % data_dir)
    out = subprocess.run(["redis-cli", "-p", str(port), "GET", "c"], capture_output=True, text=True, timeout=10)
    p.send(signal.SIGTERM)
    p.wait(10)
    return int(out.stdout.strip() or 0)


@pytest.mark.timeout(40)
def test_redis_shutdown_save_hook_loses_no_acknowledged_write(procs, shared_dir):
    """redis: the `SHUTDOWN SAVE` hook keeps every acknowledged write, with `save ""`; a
    `redis-cli save` hook loses those acknowledged after it."""
    lbsupport.need_root()
    lbsupport.need_tools("redis-server", "redis-cli")
    runs = {}
    for name in ("recipe", "cli-save"):
        port, admin = lbsupport.free_ports(2)
        d = shared_dir / name
        d.mkdir(mode=0o755)
        data = owned_dir(d / "data", "redis")
        (d / "redis.conf").write_text(REDIS_CONF.format(port=port, data=data))
        config = json.loads(lbsupport.substitute(lbsupport.recipe_block("redis-json"),
                                                 {"6379": port, "9001": admin}))
        if name == "cli-save":  # the hook docs/configuration.md used to show
            config["hooks"]["pre_stop"][0]["command"] = ["redis-cli", "-p", str(port), "save"]
        (d / "redis.json").write_text(json.dumps(config))
        words = recipe_command("redis", {"redis.json": d / "redis.json", "/etc/redis/redis.conf": d / "redis.conf"})
        lc = procs.lastcall(lastcall_argv(words), "redis-" + name)
        runs[name] = {"port": port, "lc": lc, "data": data}
    wait_serving(runs, lambda run: lbsupport.port_open(run["port"]), 10, "redis to listen")
    for run in runs.values():
        child = run["lc"].wait_event("child_started")["pid"]
        assert process_uid(child) == pwd.getpwnam("redis").pw_uid, "redis does not run as the recipe's user"
        run["writer"] = Writer(run["port"])
        run["writer"].start()
    for run in runs.values():
        lbsupport.wait_for(lambda: run["writer"].acked >= 1000, 10, "the first writes")
    stop_all(runs)

    for name, run in runs.items():
        run["writer"].stop.set()
        run["writer"].join(10)
        hook = run["lc"].wait_event("hook_finished", timeout=1)
        assert hook["status"] == "ok", hook
        run["saved"] = redis_value(run["data"], procs, name)
        run["lost"] = max(0, run["writer"].acked - run["saved"])
        print("\nredis, hook %s: %d writes acknowledged, %d in the snapshot, %d lost" % (
            hook["hook"] if name == "recipe" else "redis-cli save", run["writer"].acked, run["saved"], run["lost"]))

    recipe, control = runs["recipe"], runs["cli-save"]
    assert recipe["code"] == 0, recipe["lc"].err[-3000:]
    assert not recipe["lc"].events("child_signaled"), "redis was gone before the stop signal"
    assert recipe["lost"] == 0 and recipe["saved"] >= recipe["writer"].acked
    assert control["lost"] > 0, "the control lost nothing, so this test could not see a loss"


# -- postgres ----------------------------------------------------------------------------------

def postgres_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.skip("no postgres in /usr/lib/postgresql/*/bin (install tests/system/loadbalancer.packages)")
    return os.path.dirname(found[-1])


def as_postgres(*argv):
    return ["runuser", "-u", "postgres", "--", *map(str, argv)]


def cluster_state(bindir, data):
    out = subprocess.run([os.path.join(bindir, "pg_controldata"), str(data)], capture_output=True, text=True,
                         timeout=10, env=dict(os.environ, LC_ALL="C"))
    m = re.search(r"^Database cluster state:\s*(.*)$", out.stdout, re.M)
    assert m, out.stdout + out.stderr
    return m.group(1).strip()


@pytest.mark.timeout(40)
def test_postgres_database_json_stops_cleanly_with_sigint(procs, shared_dir):
    """postgres with docs/examples/database.json: it starts as `"user": "postgres"`, its
    CHECKPOINT hook gets in by peer authentication, and SIGINT (fast shutdown) stops it cleanly
    with clients connected; postgres's default SIGTERM (smart shutdown) waits for them until
    lastcall's SIGKILL and leaves the cluster unclean."""
    lbsupport.need_root()
    bindir = postgres_bindir()
    lbsupport.need_tools("psql", "runuser")

    template = owned_dir(shared_dir / "template", "postgres")
    init = subprocess.run(as_postgres(os.path.join(bindir, "initdb"), "-N", "-A", "peer",
                                      "--auth-host=scram-sha-256", "-D", template),
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert init.returncode == 0, init.stdout + init.stderr
    example = (REPO / "docs" / "examples" / "database.json").read_text()

    runs = {}
    for name in ("recipe", "sigterm"):
        port, admin = lbsupport.free_ports(2)
        d = shared_dir / name
        d.mkdir(mode=0o755)
        data = d / "data"
        subprocess.run(["cp", "-a", str(template), str(data)], check=True, timeout=30)
        sock = owned_dir(d / "sock", "postgres")
        conf = d / "postgresql.conf"
        conf.write_text("data_directory = '%s'\nhba_file = '%s/pg_hba.conf'\nident_file = '%s/pg_ident.conf'\n"
                        "port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                        % (data, data, data, port, sock))
        config = d / "database.json"
        config.write_text(lbsupport.substitute(example, {"/var/run/postgresql": sock, "5432": port, "9001": admin}))
        words = recipe_command("postgres", {
            "/usr/lib/postgresql/15/bin": bindir, "/var/lib/postgresql/15/main": data,
            "/etc/postgresql/15/main/postgresql.conf": conf, "database.json": config})
        if name == "sigterm":  # postgres's default, and a grace that does not wait a minute
            words = words[:1] + ["--stop-signal", "TERM", "--grace", "5s"] + words[1:]
        lc = procs.lastcall(lastcall_argv(words), "postgres-" + name, cwd="/")
        runs[name] = {"port": port, "sock": sock, "data": data, "lc": lc}

    def psql(run, *args):
        return as_postgres("psql", "-h", run["sock"], "-p", run["port"], "-X", "-q", *args)

    wait_serving(runs, lambda run: subprocess.run(psql(run, "-c", "SELECT 1"), capture_output=True, timeout=10,
                                                   cwd="/").returncode == 0,
                 20, "postgres to accept connections", interval=0.2)
    for run in runs.values():
        # Clients that stay connected (their stdin stays open): one idle, one idle in an open
        # transaction.
        for sql in ("SELECT 1;\n", "BEGIN;\nSELECT 1;\n"):
            p = procs.popen(psql(run), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd="/")
            p.stdin.write(sql.encode())
            p.stdin.flush()
    for name, run in runs.items():
        count = lambda: subprocess.run(
            psql(run, "-At", "-c", "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                                   "AND pid <> pg_backend_pid()"),
            capture_output=True, text=True, timeout=10, cwd="/").stdout.strip() == "2"
        lbsupport.wait_for(count, 10, "two clients connected to postgres (%s)" % name, interval=0.2)
    stop_all(runs)
    for run in runs.values():
        run["state"] = cluster_state(bindir, run["data"])
        run["killed"] = bool(run["lc"].events("child_killed"))
        print("\npostgres, stop signal %s: lastcall exit %d, %s, cluster state %r" % (
            run["lc"].wait_event("child_signaled", timeout=1)["signal"], run["code"],
            "SIGKILLed at the grace deadline" if run["killed"] else "stopped by itself", run["state"]))

    recipe, control = runs["recipe"], runs["sigterm"]
    hook = recipe["lc"].wait_event("hook_finished", timeout=1, hook="checkpoint")
    assert hook["status"] == "ok" and hook["exit_code"] == 0, recipe["lc"].err[-3000:]
    assert recipe["code"] == 0 and not recipe["killed"], recipe["lc"].err[-3000:]
    assert recipe["state"] == "shut down"
    assert control["killed"] and control["state"] == "in production", (control["state"], control["lc"].err[-2000:])
