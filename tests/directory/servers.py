"""Real directory servers for the tests (SPEC §7): MariaDB, PostgreSQL and
slapd from Debian's packages, each started as a process of its own in a
temporary directory, listening on 127.0.0.1 only, and stopped (or paused
with SIGSTOP, to play a hung server) by the test.

Each server has a client user `mailconfd` whose password is in
`<dir>/password` (with a trailing newline, as `echo` writes it)."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PASSWORD = "s3cret-'\"pw"
# As root (CI), MariaDB runs as root and PostgreSQL as nobody (initdb and
# postgres refuse root); as anyone else, both run as that user.
IS_ROOT = os.geteuid() == 0
ME = pwd.getpwuid(os.geteuid()).pw_name


def unprivileged(cmd):
    """cmd as nobody when we are root (PostgreSQL refuses root)."""
    if not IS_ROOT:
        return cmd
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd


def give_to_unprivileged(path):
    if IS_ROOT:
        shutil.chown(path, "nobody", "nogroup")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class Server:
    """One server process; start() / stop() / pause() / resume()."""

    name = "?"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix=f"mailconfd-{self.name}-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.proc = None
        self.password_file = os.path.join(self.dir, "password")
        with open(self.password_file, "w") as f:
            f.write(PASSWORD + "\n")
        self.log = open(os.path.join(self.dir, "server.log"), "ab")

    def start(self):
        self.proc = subprocess.Popen(self.command(), stdout=self.log,
                                     stderr=self.log, **self.popen_args())
        wait_port(self.port, self.proc, self.name)

    def popen_args(self):
        return {}

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    stop_signal = signal.SIGTERM

    def tree(self):
        """The server's process and its descendants (PostgreSQL serves
        each connection from a child: stopping the postmaster alone
        would leave open connections answering)."""
        kids = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    kids.setdefault(ppid, []).append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        out, todo = [], [self.proc.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(kids.get(p, []))
        return out

    def pause(self):
        for p in self.tree():
            os.kill(p, signal.SIGSTOP)

    def resume(self):
        for p in reversed(self.tree()):
            os.kill(p, signal.SIGCONT)

    def cleanup(self):
        self.stop()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
            return f.read()


class MariaDB(Server):
    name = "mariadb"

    def __init__(self):
        super().__init__()
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "sock")
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--user={ME}",
                        f"--datadir={self.data}", "--skip-test-db",
                        "--auth-root-authentication-method=socket"],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self.start()
        pw = PASSWORD.replace("\\", "\\\\").replace("'", "\\'")
        self.sql(f"CREATE USER 'mailconfd'@'127.0.0.1' IDENTIFIED BY '{pw}';"
                 "CREATE DATABASE postfix CHARACTER SET utf8mb4;"
                 "GRANT SELECT ON postfix.* TO 'mailconfd'@'127.0.0.1';"
                 "CREATE DATABASE dbispconfig CHARACTER SET utf8mb4;"
                 "GRANT SELECT ON dbispconfig.* TO 'mailconfd'@'127.0.0.1';")

    def command(self):
        return ["mariadbd", "--no-defaults", f"--user={ME}",
                f"--datadir={self.data}", f"--socket={self.socket}",
                f"--port={self.port}", "--bind-address=127.0.0.1",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--skip-log-bin", "--innodb-buffer-pool-size=64M",
                f"--pid-file={self.dir}/pid"]

    def start(self):
        super().start()
        end = time.time() + 30  # the port opens before the socket answers
        while subprocess.run(["mariadb", "--no-defaults", "-S", self.socket,
                              "-e", "SELECT 1"], capture_output=True
                             ).returncode != 0:
            if time.time() > end:
                raise RuntimeError("mariadb does not answer")
            time.sleep(0.1)

    def sql(self, text, db=None):
        cmd = ["mariadb", "--no-defaults", "-S", self.socket, "-N", "-B"]
        if db:
            cmd.append(db)
        r = subprocess.run(cmd, input=text, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"mariadb: {r.stderr}")
        return r.stdout


class PostgreSQL(Server):
    name = "postgresql"
    stop_signal = signal.SIGINT  # SIGTERM waits for the clients
    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self):
        super().__init__()
        self.data = os.path.join(self.dir, "data")
        give_to_unprivileged(self.dir)
        pwfile = os.path.join(self.dir, "superpw")
        with open(pwfile, "w") as f:
            f.write("super\n")
        give_to_unprivileged(pwfile)
        self.as_nobody([f"{self.BIN}/initdb", "-D", self.data, "-U", "postgres",
                        "--auth=scram-sha-256", f"--pwfile={pwfile}",
                        "-E", "UTF8", "--locale=C.UTF-8"])
        self.start()
        pw = PASSWORD.replace("'", "''")
        self.sql(f"CREATE ROLE mailconfd LOGIN PASSWORD '{pw}';"
                 "CREATE DATABASE postfix;")
        self.sql("GRANT USAGE ON SCHEMA public TO mailconfd;"
                 "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                 "GRANT SELECT ON TABLES TO mailconfd;", db="postfix")

    def as_nobody(self, cmd):
        subprocess.run(unprivileged(cmd), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=self.dir)

    def command(self):
        return unprivileged([f"{self.BIN}/postgres", "-D", self.data,
                "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                "-c", f"unix_socket_directories={self.dir}",
                "-c", "fsync=off", "-c", "max_connections=100"])

    def popen_args(self):
        return {"cwd": self.dir}

    def start(self):
        super().start()
        end = time.time() + 30  # the port opens while it is "starting up"
        while True:
            try:
                self.sql("SELECT 1")
                return
            except RuntimeError:
                if time.time() > end:
                    raise
                time.sleep(0.1)

    def sql(self, text, db="postgres"):
        env = dict(os.environ, PGPASSWORD="super")
        r = subprocess.run([f"{self.BIN}/psql", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", db,
                            "-v", "ON_ERROR_STOP=1", "-qAt"],
                           input=text, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr}")
        return r.stdout


class Slapd(Server):
    name = "slapd"
    SUFFIX = "dc=provider,dc=test"
    ROOT = "cn=admin,dc=provider,dc=test"

    def __init__(self):
        super().__init__()
        db = os.path.join(self.dir, "db")
        os.mkdir(db)
        self.conf = os.path.join(self.dir, "slapd.conf")
        with open(self.conf, "w") as f:
            f.write(f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.dir}/slapd.pid
database mdb
maxsize 104857600
suffix "{self.SUFFIX}"
rootdn "{self.ROOT}"
rootpw rootsecret
directory {db}
index mail eq
# at most 500 entries per search, but paged searches (RFC 2696) of
# mailconfd's DN may return them all: what an operator configures
limits dn.exact="cn=mailconfd,{self.SUFFIX}" size.soft=500 size.hard=500 size.prtotal=unlimited
access to * by dn.exact="cn=mailconfd,{self.SUFFIX}" read by anonymous auth by * none
""")
        self.start()
        self.add(f"""dn: {self.SUFFIX}
objectClass: dcObject
objectClass: organization
o: Provider
dc: provider

dn: cn=mailconfd,{self.SUFFIX}
objectClass: person
cn: mailconfd
sn: mailconfd
userPassword: {PASSWORD}

dn: ou=domains,{self.SUFFIX}
objectClass: organizationalUnit
ou: domains

dn: ou=people,{self.SUFFIX}
objectClass: organizationalUnit
ou: people
""")

    def command(self):
        return ["/usr/sbin/slapd", "-d", "0", "-f", self.conf, "-h",
                f"ldap://127.0.0.1:{self.port}/"]

    def ldap(self, tool, text, extra=()):
        r = subprocess.run([tool, "-x", "-H", f"ldap://127.0.0.1:{self.port}",
                            "-D", self.ROOT, "-w", "rootsecret", *extra],
                           input=text, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{tool}: {r.stderr}")
        return r.stdout

    def add(self, ldif):
        return self.ldap("ldapadd", ldif)

    def delete(self, dn):
        return self.ldap("ldapdelete", "", [dn])
