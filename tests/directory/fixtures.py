"""The panels' schemas as the panels create them (the columns of SPEC §7,
with their types and, for Postfixadmin on MariaDB, its latin1 tables),
and helpers that add and remove domains and mailboxes the way the panels
do (every Postfixadmin mailbox also has an alias row pointing at itself)."""

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRIB = os.path.join(ROOT, "contrib", "directory")

POSTFIXADMIN_MARIADB = """
CREATE TABLE domain (
  domain varchar(255) NOT NULL PRIMARY KEY, description varchar(255) NOT NULL DEFAULT '',
  aliases int NOT NULL DEFAULT 0, mailboxes int NOT NULL DEFAULT 0,
  backupmx tinyint(1) NOT NULL DEFAULT 0, created datetime NOT NULL DEFAULT '2000-01-01',
  modified datetime NOT NULL DEFAULT '2000-01-01', active tinyint(1) NOT NULL DEFAULT 1
) DEFAULT CHARSET=latin1;
CREATE TABLE mailbox (
  username varchar(255) NOT NULL PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
  name varchar(255) NOT NULL DEFAULT '', maildir varchar(255) NOT NULL DEFAULT '',
  local_part varchar(255) NOT NULL, domain varchar(255) NOT NULL,
  modified datetime NOT NULL DEFAULT '2000-01-01', active tinyint(1) NOT NULL DEFAULT 1
) DEFAULT CHARSET=latin1;
CREATE TABLE alias (
  address varchar(255) NOT NULL PRIMARY KEY, goto text NOT NULL, domain varchar(255) NOT NULL,
  modified datetime NOT NULL DEFAULT '2000-01-01', active tinyint(1) NOT NULL DEFAULT 1
) DEFAULT CHARSET=latin1;
CREATE TABLE alias_domain (
  alias_domain varchar(255) NOT NULL PRIMARY KEY, target_domain varchar(255) NOT NULL,
  modified datetime NOT NULL DEFAULT '2000-01-01', active tinyint(1) NOT NULL DEFAULT 1
) DEFAULT CHARSET=latin1;
INSERT INTO domain (domain, description) VALUES ('ALL', '');
"""

POSTFIXADMIN_POSTGRESQL = """
CREATE TABLE domain (
  domain varchar(255) PRIMARY KEY, description varchar(255) NOT NULL DEFAULT '',
  backupmx boolean NOT NULL DEFAULT false, modified timestamp NOT NULL DEFAULT now(),
  active boolean NOT NULL DEFAULT true);
CREATE TABLE mailbox (
  username varchar(255) PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
  name varchar(255) NOT NULL DEFAULT '', local_part varchar(255) NOT NULL,
  domain varchar(255) NOT NULL, modified timestamp NOT NULL DEFAULT now(),
  active boolean NOT NULL DEFAULT true);
CREATE TABLE alias (
  address varchar(255) PRIMARY KEY, goto text NOT NULL, domain varchar(255) NOT NULL,
  modified timestamp NOT NULL DEFAULT now(), active boolean NOT NULL DEFAULT true);
CREATE TABLE alias_domain (
  alias_domain varchar(255) PRIMARY KEY, target_domain varchar(255) NOT NULL,
  modified timestamp NOT NULL DEFAULT now(), active boolean NOT NULL DEFAULT true);
INSERT INTO domain (domain) VALUES ('ALL');
"""

ISPCONFIG = """
CREATE TABLE mail_domain (
  domain_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  server_id int unsigned NOT NULL DEFAULT 1,
  domain varchar(255) NOT NULL DEFAULT '', dkim enum('n','y') NOT NULL DEFAULT 'n',
  active enum('n','y') NOT NULL DEFAULT 'n', UNIQUE KEY domain (server_id, domain)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE mail_user (
  mailuser_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(255) NOT NULL DEFAULT '', login varchar(255) NOT NULL,
  password varchar(255) NOT NULL DEFAULT '', name varchar(255) NOT NULL DEFAULT '',
  postfix enum('n','y') NOT NULL DEFAULT 'y', disableimap enum('n','y') NOT NULL DEFAULT 'n',
  KEY email (email)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE sys_datalog (
  datalog_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dbtable varchar(255) NOT NULL DEFAULT '', action char(1) NOT NULL DEFAULT '',
  tstamp int NOT NULL DEFAULT 0
) DEFAULT CHARSET=utf8mb4;
"""


def q(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


class Panel:
    """Adds/removes domains and mailboxes in one panel's schema."""

    def __init__(self, kind, server):
        self.kind, self.server = kind, server
        if kind == "postfixadmin-mariadb":
            server.sql(POSTFIXADMIN_MARIADB, db="postfix")
        elif kind == "postfixadmin-postgresql":
            server.sql(POSTFIXADMIN_POSTGRESQL, db="postfix")
        elif kind == "ispconfig":
            server.sql(ISPCONFIG, db="dbispconfig")
        self.tick = 0

    def db(self):
        return "dbispconfig" if self.kind == "ispconfig" else "postfix"

    def sql(self, text):
        return self.server.sql(text, db=self.db())

    def stamp(self):
        self.tick += 1
        return "'2024-01-01 00:00:%02d'" % (self.tick % 60) if self.kind.endswith("mariadb") \
            else "now() + interval '%d seconds'" % self.tick

    def add_domain(self, d):
        self.add_domains([d])

    def add_domains(self, names):
        if self.kind == "ldap":
            self.server.add("\n".join(
                f"dn: associatedDomain={d},ou=domains,{self.server.SUFFIX}\n"
                "objectClass: organizationalUnit\nobjectClass: domainRelatedObject\n"
                f"ou: {d}\nassociatedDomain: {d}\n" for d in names))
        elif self.kind == "ispconfig":
            rows = ",".join(f"({q(d)}, 'y')" for d in names)
            self.sql(f"INSERT INTO mail_domain (domain, active) VALUES {rows};"
                     "INSERT INTO sys_datalog (dbtable, action) VALUES ('mail_domain', 'i');")
        else:
            stamp = self.stamp()
            rows = ",".join(f"({q(d)}, {stamp})" for d in names)
            self.sql(f"INSERT INTO domain (domain, modified) VALUES {rows};")

    def remove_domain(self, d):
        if self.kind == "ldap":
            self.server.delete(f"associatedDomain={d},ou=domains,{self.server.SUFFIX}")
        elif self.kind == "ispconfig":
            self.sql(f"DELETE FROM mail_domain WHERE domain = {q(d)};"
                     "INSERT INTO sys_datalog (dbtable, action) VALUES ('mail_domain', 'd');")
        else:
            self.sql(f"DELETE FROM domain WHERE domain = {q(d)};")

    def add_mailbox(self, address, login=None):
        local, domain = address.split("@")
        if self.kind == "ldap":
            uid = login or local
            self.server.add(f"dn: uid={uid},ou=people,{self.server.SUFFIX}\n"
                            "objectClass: inetOrgPerson\n"
                            f"uid: {uid}\ncn: {uid}\nsn: {uid}\nmail: {address}\n")
        elif self.kind == "ispconfig":
            self.sql(f"INSERT INTO mail_user (email, login) VALUES ({q(address)}, {q(login or address)});")
        else:
            self.sql(f"INSERT INTO mailbox (username, local_part, domain) "
                     f"VALUES ({q(address)}, {q(local)}, {q(domain)});"
                     f"INSERT INTO alias (address, goto, domain) "
                     f"VALUES ({q(address)}, {q(address)}, {q(domain)});")


def table(kind, server, state_dir, refresh=1, timeout_ms=300, ttl=300):
    """The shipped contrib table for kind, pointed at the test server."""
    name = {"postfixadmin-mariadb": "postfixadmin-mariadb.json",
            "postfixadmin-postgresql": "postfixadmin-postgresql.json",
            "ispconfig": "ispconfig.json", "ldap": "ldap.json"}[kind]
    with open(os.path.join(CONTRIB, name)) as f:
        t = json.load(f)
    t["directory"]["state_dir"] = state_dir
    (src_name, src), = t["directory"]["sources"].items()
    src["password_file"] = server.password_file
    if kind == "ldap":
        src["url"] = f"ldap://127.0.0.1:{server.port}"
    else:
        src.pop("socket", None)
        src["host"] = "127.0.0.1"
        src["port"] = server.port
    src["domains"]["refresh"] = refresh
    src["logins"]["timeout_ms"] = timeout_ms
    src["logins"]["cache_ttl"] = ttl
    src["logins"]["negative_ttl"] = ttl
    src["connect_timeout_ms"] = 500
    src["query_timeout_ms"] = 1000
    return t, src_name


def servers_password_absent(text):
    import servers
    return servers.PASSWORD not in text
