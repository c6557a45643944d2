// The Store over a Connection: the same parameterised statements on SQLite and PostgreSQL.
#include "store/sql_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>

#include "store/migrations.hpp"

namespace minewatch::store {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::string_view kSessionColumns =
    "id, community_id, start_ns, end_ns, miner_ip, miner_port, pool_ip, pool_port, proto, protocol, variant, agent, "
    "pool_host, wallet, worker, shares_submitted, shares_accepted, shares_rejected, difficulty, confidence, "
    "pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, coin, algorithm, hashrate, hashrate_sigma, "
    "hashrate_unit, hardware_class, kwh_per_day";

SessionRow read_session(const Rows& r, std::size_t i) {
  SessionRow s;
  std::size_t c = 1;
  s.community_id = r.text(i, c++);
  s.start_ns = r.int64(i, c++);
  s.end_ns = r.int64(i, c++);
  s.miner_ip = r.text(i, c++);
  s.miner_port = static_cast<int>(r.int64(i, c++));
  s.pool_ip = r.text(i, c++);
  s.pool_port = static_cast<int>(r.int64(i, c++));
  s.proto = static_cast<int>(r.int64(i, c++));
  s.protocol = r.text(i, c++);
  s.variant = r.text(i, c++);
  s.agent = r.text(i, c++);
  s.pool_host = r.text(i, c++);
  s.wallet = r.text(i, c++);
  s.worker = r.text(i, c++);
  s.shares_submitted = r.int64(i, c++);
  s.shares_accepted = r.int64(i, c++);
  s.shares_rejected = r.int64(i, c++);
  s.difficulty = r.real(i, c++);
  s.confidence = r.real(i, c++);
  s.pkts_toserver = r.int64(i, c++);
  s.pkts_toclient = r.int64(i, c++);
  s.bytes_toserver = r.int64(i, c++);
  s.bytes_toclient = r.int64(i, c++);
  s.coin = r.text(i, c++);
  s.algorithm = r.text(i, c++);
  s.hashrate = r.real(i, c++);
  s.hashrate_sigma = r.real(i, c++);
  s.hashrate_unit = r.text(i, c++);
  s.hardware_class = r.text(i, c++);
  s.kwh_per_day = r.real(i, c++);
  return s;
}

// Rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& db) : db_(db) {}
  ~Transaction() {
    if (open_) db_.rollback();
  }
  Result<void> begin() {
    auto r = db_.begin();
    open_ = r.has_value();
    return r;
  }
  Result<void> commit() {
    auto r = db_.commit();
    if (!r) db_.rollback();
    open_ = false;
    return r;
  }

 private:
  Connection& db_;
  bool open_ = false;
};

#define MW_TRY(expr)                                                        \
  do {                                                                      \
    if (auto mw_r_ = (expr); !mw_r_) return std::unexpected(mw_r_.error()); \
  } while (0)

}  // namespace

Day day_of(std::int64_t ns) {
  auto d = ns / kNsPerDay;
  if (ns < 0 && d * kNsPerDay != ns) --d;
  return static_cast<Day>(d);
}

std::string format_day(Day day) {
  std::time_t t = static_cast<std::time_t>(day) * 86'400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::optional<Day> parse_day(std::string_view text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  std::time_t t = timegm(&tm);
  if (format_day(static_cast<Day>(t / 86'400)) != s) return std::nullopt;  // 2024-02-30
  return static_cast<Day>(t / 86'400);
}

Result<std::unique_ptr<Store>> open_store(const std::string& target) {
  auto conn = open_connection(target);
  if (!conn) return std::unexpected(conn.error());
  auto version = migrate(**conn);
  if (!version) return std::unexpected(version.error());
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*conn), *version));
}

SqlStore::SqlStore(std::unique_ptr<Connection> db, int version) : db_(std::move(db)), version_(version) {}

Result<std::int64_t> SqlStore::add_capture(const CaptureInfo& c) {
  std::int64_t now = now_ns();
  std::vector<Value> p{c.fingerprint, c.path, c.size_bytes, now};
  auto r = db_->query(
      "INSERT INTO captures (fingerprint, path, size_bytes, first_analysed_ns, last_analysed_ns) "
      "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (fingerprint) DO UPDATE SET path = excluded.path, "
      "last_analysed_ns = excluded.last_analysed_ns RETURNING id",
      p);
  if (!r) return std::unexpected(r.error());
  if (r->empty()) return make_error("capture insert returned no id");
  return r->int64(0, 0);
}

Result<IngestResult> SqlStore::add_sessions(std::int64_t capture_id, std::span<const SessionRow> sessions,
                                            std::span<const HostAlert> alerts) {
  IngestResult out;
  Transaction tx(*db_);
  MW_TRY(tx.begin());
  std::set<std::pair<std::string, Day>> touched;
  for (const auto& s : sessions) {
    if (s.end_ns < s.start_ns) return make_error(fmt::format("session {} ends before it starts", s.community_id));
    std::vector<Value> host{s.miner_ip, std::int64_t{s.miner_ip.find(':') == std::string::npos ? 4 : 6}, s.start_ns,
                            s.end_ns};
    MW_TRY(
        db_->exec("INSERT INTO hosts (ip, family, first_seen_ns, last_seen_ns) VALUES ($1, $2, $3, $4) "
                  "ON CONFLICT (ip) DO UPDATE SET "
                  "first_seen_ns = CASE WHEN excluded.first_seen_ns < hosts.first_seen_ns THEN excluded.first_seen_ns "
                  "ELSE hosts.first_seen_ns END, "
                  "last_seen_ns = CASE WHEN excluded.last_seen_ns > hosts.last_seen_ns THEN excluded.last_seen_ns "
                  "ELSE hosts.last_seen_ns END",
                  host));
    std::vector<Value> pool{s.pool_ip, std::int64_t{s.pool_port}, s.pool_host, s.start_ns, s.end_ns};
    auto pool_id = db_->query(
        "INSERT INTO pools (ip, port, host, first_seen_ns, last_seen_ns) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (ip, port, host) DO UPDATE SET "
        "first_seen_ns = CASE WHEN excluded.first_seen_ns < pools.first_seen_ns THEN excluded.first_seen_ns "
        "ELSE pools.first_seen_ns END, "
        "last_seen_ns = CASE WHEN excluded.last_seen_ns > pools.last_seen_ns THEN excluded.last_seen_ns "
        "ELSE pools.last_seen_ns END RETURNING id",
        pool);
    if (!pool_id) return std::unexpected(pool_id.error());
    std::vector<Value> row{capture_id,
                           s.community_id,
                           s.start_ns,
                           s.end_ns,
                           s.miner_ip,
                           s.miner_port,
                           pool_id->int64(0, 0),
                           s.pool_ip,
                           s.pool_port,
                           s.proto,
                           s.protocol,
                           s.variant,
                           s.agent,
                           s.pool_host,
                           s.wallet,
                           s.worker,
                           s.shares_submitted,
                           s.shares_accepted,
                           s.shares_rejected,
                           s.difficulty,
                           s.confidence,
                           s.pkts_toserver,
                           s.pkts_toclient,
                           s.bytes_toserver,
                           s.bytes_toclient,
                           s.coin,
                           s.algorithm,
                           s.hashrate,
                           s.hashrate_sigma,
                           s.hashrate_unit,
                           s.hardware_class,
                           s.kwh_per_day};
    auto id = db_->query(
        "INSERT INTO sessions (capture_id, community_id, start_ns, end_ns, miner_ip, miner_port, pool_id, pool_ip, "
        "pool_port, proto, protocol, variant, agent, pool_host, wallet, worker, shares_submitted, shares_accepted, "
        "shares_rejected, difficulty, confidence, pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, coin, "
        "algorithm, hashrate, hashrate_sigma, hashrate_unit, hardware_class, kwh_per_day) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
        "$28, $29, $30, $31, $32) ON CONFLICT (capture_id, community_id, start_ns) DO NOTHING RETURNING id",
        row);
    if (!id) return std::unexpected(id.error());
    if (id->empty()) {
      ++out.duplicates;
      continue;
    }
    ++out.inserted;
    std::int64_t sid = id->int64(0, 0);
    for (std::size_t k = 0; k < s.evidence.size(); ++k) {
      const auto& e = s.evidence[k];
      std::vector<Value> ev{sid, static_cast<std::int64_t>(k), e.kind, e.detail, e.weight};
      MW_TRY(db_->exec("INSERT INTO evidence (session_id, seq, kind, detail, weight) VALUES ($1, $2, $3, $4, $5)", ev));
    }
    for (Day d = day_of(s.start_ns); d <= day_of(s.end_ns); ++d) touched.emplace(s.miner_ip, d);
  }
  for (const auto& a : alerts) {
    std::vector<Value> p{a.ip, a.ts_ns};
    MW_TRY(
        db_->exec("UPDATE hosts SET first_alert_ns = CAST($2 AS BIGINT) WHERE ip = $1 AND "
                  "(first_alert_ns IS NULL OR first_alert_ns > CAST($2 AS BIGINT))",
                  p));
  }
  for (const auto& [ip, day] : touched) {
    std::vector<Value> p{ip, std::int64_t{day} * kNsPerDay, std::int64_t{day + 1} * kNsPerDay};
    auto rows = db_->query(
        fmt::format("SELECT {} FROM sessions WHERE miner_ip = $1 AND start_ns < $3 AND end_ns >= $2", kSessionColumns),
        p);
    if (!rows) return std::unexpected(rows.error());
    std::vector<SessionRow> overlapping;
    for (std::size_t i = 0; i < rows->size(); ++i) overlapping.push_back(read_session(*rows, i));
    MW_TRY(write_host_day(roll_up(ip, day, overlapping)));
    ++out.host_days;
  }
  MW_TRY(tx.commit());
  return out;
}

Result<void> SqlStore::write_host_day(const HostDay& h) {
  std::vector<Value> p{h.ip,          std::int64_t{h.day}, h.sessions,    h.pools, h.coins, h.bytes_to_pools,
                       h.kwh_per_day, h.first_seen_ns,     h.last_seen_ns};
  MW_TRY(
      db_->exec("INSERT INTO host_day (ip, day, sessions, pools, coins, bytes_to_pools, kwh_per_day, first_seen_ns, "
                "last_seen_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (ip, day) DO UPDATE SET "
                "sessions = excluded.sessions, pools = excluded.pools, coins = excluded.coins, "
                "bytes_to_pools = excluded.bytes_to_pools, kwh_per_day = excluded.kwh_per_day, "
                "first_seen_ns = excluded.first_seen_ns, last_seen_ns = excluded.last_seen_ns",
                p));
  std::vector<Value> k{h.ip, std::int64_t{h.day}};
  MW_TRY(db_->exec("DELETE FROM host_day_hashrate WHERE ip = $1 AND day = $2", k));
  for (const auto& a : h.hashrates) {
    std::vector<Value> q{h.ip, std::int64_t{h.day}, a.algorithm, a.unit, a.hashrate, a.sigma};
    MW_TRY(
        db_->exec("INSERT INTO host_day_hashrate (ip, day, algorithm, unit, hashrate, hashrate_sigma) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  q));
  }
  return {};
}

Result<void> SqlStore::put_host_days(std::span<const HostDay> rows) {
  static constexpr std::string_view kDayCols[] = {
      "ip", "day", "sessions", "pools", "coins", "bytes_to_pools", "kwh_per_day", "first_seen_ns", "last_seen_ns"};
  static constexpr std::string_view kDayKey[] = {"ip", "day"};
  static constexpr std::string_view kRateCols[] = {"ip", "day", "algorithm", "unit", "hashrate", "hashrate_sigma"};
  static constexpr std::string_view kRateKey[] = {"ip", "day", "algorithm"};
  std::vector<Value> days, rates;
  days.reserve(rows.size() * std::size(kDayCols));
  for (const auto& h : rows) {
    for (Value v : {Value{h.ip}, Value{std::int64_t{h.day}}, Value{h.sessions}, Value{h.pools}, Value{h.coins},
                    Value{h.bytes_to_pools}, Value{h.kwh_per_day}, Value{h.first_seen_ns}, Value{h.last_seen_ns}})
      days.push_back(std::move(v));
    for (const auto& a : h.hashrates) {
      for (Value v : {Value{h.ip}, Value{std::int64_t{h.day}}, Value{a.algorithm}, Value{a.unit}, Value{a.hashrate},
                      Value{a.sigma}})
        rates.push_back(std::move(v));
    }
  }
  Transaction tx(*db_);
  MW_TRY(tx.begin());
  MW_TRY(db_->bulk_upsert("host_day", kDayCols, kDayKey, days));
  if (!rates.empty()) MW_TRY(db_->bulk_upsert("host_day_hashrate", kRateCols, kRateKey, rates));
  return tx.commit();
}

Result<std::vector<DayCount>> SqlStore::active_ips_per_day(std::optional<Day> from, std::optional<Day> to) {
  std::vector<Value> p{std::int64_t{from.value_or(std::numeric_limits<Day>::min())},
                       std::int64_t{to.value_or(std::numeric_limits<Day>::max())}};
  auto r = db_->query("SELECT day, COUNT(*) FROM host_day WHERE day >= $1 AND day <= $2 GROUP BY day ORDER BY day", p);
  if (!r) return std::unexpected(r.error());
  std::vector<DayCount> out;
  for (std::size_t i = 0; i < r->size(); ++i) out.push_back({static_cast<Day>(r->int64(i, 0)), r->int64(i, 1)});
  return out;
}

Result<std::vector<HostDay>> SqlStore::host_days(std::optional<Day> from, std::optional<Day> to) {
  std::vector<Value> p{std::int64_t{from.value_or(std::numeric_limits<Day>::min())},
                       std::int64_t{to.value_or(std::numeric_limits<Day>::max())}};
  auto r = db_->query(
      "SELECT ip, day, sessions, pools, coins, bytes_to_pools, kwh_per_day, first_seen_ns, last_seen_ns FROM host_day "
      "WHERE day >= $1 AND day <= $2 ORDER BY day, ip",
      p);
  if (!r) return std::unexpected(r.error());
  std::vector<HostDay> out;
  std::map<std::pair<std::string, Day>, std::size_t> index;
  for (std::size_t i = 0; i < r->size(); ++i) {
    HostDay h;
    h.ip = r->text(i, 0);
    h.day = static_cast<Day>(r->int64(i, 1));
    h.sessions = r->int64(i, 2);
    h.pools = r->int64(i, 3);
    h.coins = r->text(i, 4);
    h.bytes_to_pools = r->int64(i, 5);
    h.kwh_per_day = r->real(i, 6);
    h.first_seen_ns = r->int64(i, 7);
    h.last_seen_ns = r->int64(i, 8);
    index.emplace(std::pair{h.ip, h.day}, out.size());
    out.push_back(std::move(h));
  }
  auto a = db_->query(
      "SELECT ip, day, algorithm, unit, hashrate, hashrate_sigma FROM host_day_hashrate WHERE day >= $1 AND day <= $2 "
      "ORDER BY day, ip, algorithm",
      p);
  if (!a) return std::unexpected(a.error());
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto it = index.find({a->text(i, 0), static_cast<Day>(a->int64(i, 1))});
    if (it == index.end()) continue;
    out[it->second].hashrates.push_back({a->text(i, 2), a->text(i, 3), a->real(i, 4), a->real(i, 5)});
  }
  return out;
}

Result<std::vector<SessionRow>> SqlStore::sessions(std::optional<Day> from, std::optional<Day> to) {
  std::int64_t lo = from ? std::int64_t{*from} * kNsPerDay : std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = to ? std::int64_t{*to + 1} * kNsPerDay : std::numeric_limits<std::int64_t>::max();
  std::vector<Value> p{lo, hi};
  auto r = db_->query(fmt::format("SELECT {} FROM sessions WHERE start_ns < $2 AND end_ns >= $1 ORDER BY start_ns, id",
                                  kSessionColumns),
                      p);
  if (!r) return std::unexpected(r.error());
  std::vector<SessionRow> out;
  std::map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < r->size(); ++i) {
    index.emplace(r->int64(i, 0), out.size());
    out.push_back(read_session(*r, i));
  }
  auto e = db_->query(
      "SELECT e.session_id, e.kind, e.detail, e.weight FROM evidence e JOIN sessions s ON s.id = e.session_id "
      "WHERE s.start_ns < $2 AND s.end_ns >= $1 ORDER BY e.session_id, e.seq",
      p);
  if (!e) return std::unexpected(e.error());
  for (std::size_t i = 0; i < e->size(); ++i) {
    auto it = index.find(e->int64(i, 0));
    if (it != index.end()) out[it->second].evidence.push_back({e->text(i, 1), e->text(i, 2), e->real(i, 3)});
  }
  return out;
}

Result<TableCounts> SqlStore::counts() {
  auto r = db_->query(
      "SELECT (SELECT COUNT(*) FROM captures), (SELECT COUNT(*) FROM hosts), (SELECT COUNT(*) FROM pools), "
      "(SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM evidence), (SELECT COUNT(*) FROM host_day)");
  if (!r) return std::unexpected(r.error());
  return TableCounts{r->int64(0, 0), r->int64(0, 1), r->int64(0, 2), r->int64(0, 3), r->int64(0, 4), r->int64(0, 5)};
}

Result<std::vector<std::string>> SqlStore::check_consistency() {
  std::vector<std::string> problems;
  struct Check {
    std::string_view what;
    std::string_view sql;
  };
  static constexpr Check kChecks[] = {
      {"sessions without a host",
       "SELECT COUNT(*) FROM sessions s LEFT JOIN hosts h ON h.ip = s.miner_ip WHERE h.ip IS NULL"},
      {"sessions without a pool",
       "SELECT COUNT(*) FROM sessions s LEFT JOIN pools p ON p.id = s.pool_id WHERE p.id IS NULL"},
      {"sessions without a capture",
       "SELECT COUNT(*) FROM sessions s LEFT JOIN captures c ON c.id = s.capture_id WHERE c.id IS NULL"},
      {"evidence without a session",
       "SELECT COUNT(*) FROM evidence e LEFT JOIN sessions s ON s.id = e.session_id WHERE s.id IS NULL"},
      {"hosts without a session",
       "SELECT COUNT(*) FROM hosts h WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.miner_ip = h.ip)"},
      {"sessions whose start day has no roll-up row",
       "SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM host_day d WHERE d.ip = s.miner_ip AND "
       "d.day * CAST(86400000000000 AS BIGINT) <= s.start_ns AND (d.day + 1) * CAST(86400000000000 AS BIGINT) > "
       "s.start_ns)"},
  };
  for (const auto& c : kChecks) {
    auto r = db_->query(c.sql);
    if (!r) return std::unexpected(r.error());
    if (auto n = r->int64(0, 0)) problems.push_back(fmt::format("{}: {}", c.what, n));
  }
  // The roll-up agrees with the sessions it was built from.
  auto r = db_->query(
      "SELECT d.ip, d.day, d.sessions, (SELECT COUNT(*) FROM sessions s WHERE s.miner_ip = d.ip AND "
      "s.start_ns < (d.day + 1) * CAST(86400000000000 AS BIGINT) AND s.end_ns >= d.day * CAST(86400000000000 AS "
      "BIGINT)) FROM host_day d WHERE d.sessions <> (SELECT COUNT(*) FROM sessions s WHERE s.miner_ip = d.ip AND "
      "s.start_ns < (d.day + 1) * CAST(86400000000000 AS BIGINT) AND s.end_ns >= d.day * CAST(86400000000000 AS "
      "BIGINT))");
  if (!r) return std::unexpected(r.error());
  for (std::size_t i = 0; i < r->size() && i < 20; ++i)
    problems.push_back(fmt::format("host_day {} {}: {} sessions recorded, {} in the sessions table", r->text(i, 0),
                                   format_day(static_cast<Day>(r->int64(i, 1))), r->int64(i, 2), r->int64(i, 3)));
  return problems;
}

}  // namespace minewatch::store
