-- minewatch store, migration 1: captures, hosts, pools, sessions, evidence, the host-day roll-up and
-- the IP registry. One text for SQLite and PostgreSQL: @ID@ is the only dialect token (an
-- auto-numbered primary key). Times are nanoseconds since the Unix epoch (UTC); days are whole days
-- since 1970-01-01 UTC; addresses are canonical text (inet_ntop).

-- One row per capture file, identified by content (size + SHA-256 of its first and last MiB), so the
-- same capture analysed twice, under any name, maps to the same row.
CREATE TABLE captures (
  id @ID@,
  fingerprint TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  first_analysed_ns BIGINT NOT NULL,
  last_analysed_ns BIGINT NOT NULL
);

-- Every address ever seen mining (src of a mining session).
CREATE TABLE hosts (
  ip TEXT PRIMARY KEY,
  family SMALLINT NOT NULL,
  first_seen_ns BIGINT NOT NULL,
  last_seen_ns BIGINT NOT NULL,
  first_alert_ns BIGINT
);

-- Pool endpoints: address, port and the name the miner asked for (empty when none was seen).
CREATE TABLE pools (
  id @ID@,
  ip TEXT NOT NULL,
  port INTEGER NOT NULL,
  host TEXT NOT NULL,
  first_seen_ns BIGINT NOT NULL,
  last_seen_ns BIGINT NOT NULL,
  UNIQUE (ip, port, host)
);

-- One row per mining flow. Natural key: the capture, the flow's Community ID and its start time.
CREATE TABLE sessions (
  id @ID@,
  capture_id BIGINT NOT NULL REFERENCES captures (id),
  community_id TEXT NOT NULL,
  start_ns BIGINT NOT NULL,
  end_ns BIGINT NOT NULL,
  miner_ip TEXT NOT NULL REFERENCES hosts (ip),
  miner_port INTEGER NOT NULL,
  pool_id BIGINT NOT NULL REFERENCES pools (id),
  pool_ip TEXT NOT NULL,
  pool_port INTEGER NOT NULL,
  proto SMALLINT NOT NULL,
  protocol TEXT NOT NULL,
  variant TEXT NOT NULL,
  agent TEXT NOT NULL,
  pool_host TEXT NOT NULL,
  wallet TEXT NOT NULL,
  worker TEXT NOT NULL,
  shares_submitted BIGINT NOT NULL,
  shares_accepted BIGINT NOT NULL,
  shares_rejected BIGINT NOT NULL,
  difficulty DOUBLE PRECISION NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  pkts_toserver BIGINT NOT NULL,
  pkts_toclient BIGINT NOT NULL,
  bytes_toserver BIGINT NOT NULL,
  bytes_toclient BIGINT NOT NULL,
  -- Estimates (coin/hashrate issue); empty or 0 when unknown.
  coin TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  hashrate DOUBLE PRECISION NOT NULL,
  hashrate_sigma DOUBLE PRECISION NOT NULL,
  hashrate_unit TEXT NOT NULL,
  hardware_class TEXT NOT NULL,
  kwh_per_day DOUBLE PRECISION NOT NULL,
  UNIQUE (capture_id, community_id, start_ns)
);
CREATE INDEX sessions_by_miner ON sessions (miner_ip, start_ns);
CREATE INDEX sessions_by_wallet ON sessions (wallet);

CREATE TABLE evidence (
  session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  weight DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (session_id, seq)
);

-- Roll-up per address per UTC day, rebuilt from sessions whenever a day gains sessions.
-- kwh_per_day is summed across algorithms (energy adds up); hashrates live per algorithm below.
CREATE TABLE host_day (
  ip TEXT NOT NULL,
  day INTEGER NOT NULL,
  sessions BIGINT NOT NULL,
  pools BIGINT NOT NULL,
  coins TEXT NOT NULL,
  bytes_to_pools BIGINT NOT NULL,
  kwh_per_day DOUBLE PRECISION NOT NULL,
  first_seen_ns BIGINT NOT NULL,
  last_seen_ns BIGINT NOT NULL,
  PRIMARY KEY (ip, day)
);
CREATE INDEX host_day_by_day ON host_day (day, ip);

-- Hashrate per address, day and algorithm: never summed across algorithms.
CREATE TABLE host_day_hashrate (
  ip TEXT NOT NULL,
  day INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  unit TEXT NOT NULL,
  hashrate DOUBLE PRECISION NOT NULL,
  hashrate_sigma DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (ip, day, algorithm)
);

-- The IP registry (src/registry RegistryData), persisted. Organisations by their stable key.
CREATE TABLE organisations (
  id @ID@,
  org_key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  province TEXT NOT NULL,
  city TEXT NOT NULL,
  source TEXT NOT NULL,
  carrier SMALLINT NOT NULL
);

-- Prefix → organisation. One row per prefix: a later import of the same prefix replaces it.
CREATE TABLE prefixes (
  id @ID@,
  cidr TEXT NOT NULL UNIQUE,
  org_id BIGINT NOT NULL REFERENCES organisations (id)
);

-- Region-only knowledge (per-province/city lists).
CREATE TABLE regions (
  id @ID@,
  cidr TEXT NOT NULL UNIQUE,
  province TEXT NOT NULL,
  city TEXT NOT NULL
);

-- CGNAT / DHCP: public address and port range over [start_ns, end_ns) → subscriber (and org).
CREATE TABLE mappings (
  id @ID@,
  public_ip TEXT NOT NULL,
  port_first INTEGER NOT NULL,
  port_last INTEGER NOT NULL,
  start_ns BIGINT NOT NULL,
  end_ns BIGINT NOT NULL,
  subscriber TEXT NOT NULL,
  org_id BIGINT REFERENCES organisations (id),
  UNIQUE (public_ip, port_first, start_ns)
);
