#pragma once
// The store: captures, mining hosts, pools, sessions with their evidence, the host-day roll-up and the
// persisted IP registry. One interface; SQLite (embedded default) and PostgreSQL (production) behind
// it, sharing one set of numbered migrations and one set of parameterised statements.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/connection.hpp"

namespace minewatch::registry {
struct RegistryData;
}

namespace minewatch::store {

// Whole days since 1970-01-01 UTC.
using Day = std::int32_t;
inline constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
[[nodiscard]] Day day_of(std::int64_t ns);
[[nodiscard]] std::string format_day(Day day);                      // "2024-03-01"
[[nodiscard]] std::optional<Day> parse_day(std::string_view text);  // "2024-03-01"

struct CaptureInfo {
  std::string fingerprint;  // content identity (see capture_fingerprint)
  std::string path;
  std::int64_t size_bytes = 0;
};

struct EvidenceRow {
  std::string kind;
  std::string detail;
  double weight = 0;
};

struct SessionRow {
  std::string community_id;
  std::int64_t start_ns = 0, end_ns = 0;
  std::string miner_ip;
  int miner_port = 0;
  std::string pool_ip;
  int pool_port = 0;
  int proto = 6;
  std::string protocol, variant, agent, pool_host, wallet, worker;
  std::int64_t shares_submitted = 0, shares_accepted = 0, shares_rejected = 0;
  double difficulty = 0, confidence = 0;
  std::int64_t pkts_toserver = 0, pkts_toclient = 0, bytes_toserver = 0, bytes_toclient = 0;
  // Estimates; empty / 0 when unknown.
  std::string coin, algorithm;
  double hashrate = 0, hashrate_sigma = 0;
  std::string hashrate_unit;
  std::string hardware_class;
  double kwh_per_day = 0;
  std::vector<EvidenceRow> evidence;
};

struct AlgoHashrate {
  std::string algorithm;
  std::string unit;
  double hashrate = 0;
  double sigma = 0;
};

// One address on one day.
struct HostDay {
  std::string ip;
  Day day = 0;
  std::int64_t sessions = 0;
  std::int64_t pools = 0;  // distinct pool endpoints (address, port)
  std::string coins;       // sorted, comma-separated
  std::int64_t bytes_to_pools = 0;
  double kwh_per_day = 0;  // summed across algorithms
  std::int64_t first_seen_ns = 0, last_seen_ns = 0;
  std::vector<AlgoHashrate> hashrates;  // one per algorithm, never summed across them
};

struct DayCount {
  Day day = 0;
  std::int64_t ips = 0;
};

struct HostAlert {
  std::string ip;
  std::int64_t ts_ns = 0;
};

struct IngestResult {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;  // sessions already in the store (same capture, Community ID, start)
  std::size_t host_days = 0;   // host-day rows rebuilt
};

struct RegistryCounts {
  std::size_t orgs = 0, prefixes = 0, regions = 0, mappings = 0;
};

struct TableCounts {
  std::int64_t captures = 0, hosts = 0, pools = 0, sessions = 0, evidence = 0, host_days = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Where the data lives (path or password-free URI) and the schema version in force.
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual int schema_version() const = 0;
  [[nodiscard]] virtual Dialect dialect() const = 0;

  // --- ingest
  // The capture's row id, created on first sight.
  [[nodiscard]] virtual Result<std::int64_t> add_capture(const CaptureInfo& capture) = 0;
  // One transaction: sessions (duplicates skipped), their evidence, hosts, pools and the rebuilt
  // host-day rows of every (address, day) the new sessions touch. All or nothing.
  [[nodiscard]] virtual Result<IngestResult> add_sessions(std::int64_t capture_id, std::span<const SessionRow> sessions,
                                                          std::span<const HostAlert> alerts = {}) = 0;
  // Bulk upsert of roll-up rows (replaces the (ip, day) rows given). For imports and benchmarks.
  [[nodiscard]] virtual Result<void> put_host_days(std::span<const HostDay> rows) = 0;

  // --- queries
  // Active mining addresses per day in [from, to] (inclusive; unbounded when empty).
  [[nodiscard]] virtual Result<std::vector<DayCount>> active_ips_per_day(std::optional<Day> from = {},
                                                                         std::optional<Day> to = {}) = 0;
  // Host-day rows (with hashrates) in [from, to].
  [[nodiscard]] virtual Result<std::vector<HostDay>> host_days(std::optional<Day> from = {},
                                                               std::optional<Day> to = {}) = 0;
  // Sessions (with evidence) that overlap [from, to]; all when unbounded.
  [[nodiscard]] virtual Result<std::vector<SessionRow>> sessions(std::optional<Day> from = {},
                                                                 std::optional<Day> to = {}) = 0;
  [[nodiscard]] virtual Result<TableCounts> counts() = 0;
  // Foreign keys, roll-up consistency with sessions; an empty list when all is well.
  [[nodiscard]] virtual Result<std::vector<std::string>> check_consistency() = 0;

  // --- registry (src/registry): merged in (organisations by key; a prefix or mapping seen again is
  // replaced), loaded back whole.
  [[nodiscard]] virtual Result<RegistryCounts> save_registry(const registry::RegistryData& data) = 0;
  [[nodiscard]] virtual Result<void> load_registry(registry::RegistryData& out) = 0;
  [[nodiscard]] virtual Result<RegistryCounts> registry_counts() = 0;
};

// Opens (and migrates) a store: "postgresql://..." (or a libpq "host=... dbname=..." string) for
// PostgreSQL, anything else an SQLite file path (created when missing).
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(const std::string& target);

// The roll-up of one address on one day from the sessions that overlap it (pure; the store calls it).
[[nodiscard]] HostDay roll_up(const std::string& ip, Day day, std::span<const SessionRow> sessions);

}  // namespace minewatch::store
