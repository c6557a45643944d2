// mw-store-bench: ingest N generated host-day rows into a store (batched: big transactions on SQLite,
// COPY on PostgreSQL) and time the "active mining IPs per day" query over them.
//   mw-store-bench --db PATH|postgresql://... [--rows 10000000] [--days 100] [--batch 100000]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <vector>

#include "store/store.hpp"

int main(int argc, char** argv) {
  using namespace minewatch;
  using Clock = std::chrono::steady_clock;
  std::string target;
  std::size_t rows = 10'000'000, batch = 100'000;
  int days = 100, repeats = 5;
  bool hashrates = true;
  CLI::App cli{"Store ingest and query benchmark"};
  cli.add_option("--db", target, "SQLite file or postgresql:// URI (should be empty)")->required();
  cli.add_option("--rows", rows, "Host-day rows to ingest");
  cli.add_option("--days", days, "Days the rows spread over (addresses = rows / days)")->check(CLI::Range(1, 36500));
  cli.add_option("--batch", batch, "Rows per transaction")->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  cli.add_option("--repeats", repeats, "Query repetitions");
  cli.add_flag("!--no-hashrates", hashrates, "Do not add one per-algorithm hashrate row per host-day");
  CLI11_PARSE(cli, argc, argv);

  auto db = store::open_store(target);
  if (!db) {
    fmt::print(stderr, "mw-store-bench: {}\n", db.error().message);
    return 2;
  }
  const store::Day day0 = 19'783;  // 2024-03-01
  const std::size_t ips = std::max<std::size_t>(1, rows / static_cast<std::size_t>(days));
  static const char* kAlgos[] = {"randomx", "sha256d", "ethash", "kawpow"};
  std::vector<store::HostDay> chunk;
  auto t0 = Clock::now();
  std::size_t done = 0;
  while (done < rows) {
    chunk.clear();
    for (std::size_t i = 0; i < batch && done < rows; ++i, ++done) {
      // Day-major order, like a daily roll-up job would write.
      std::size_t d = done / ips, host = done % ips;
      store::HostDay h;
      h.ip = fmt::format("10.{}.{}.{}", (host >> 16) & 255, (host >> 8) & 255, host & 255);
      h.day = day0 + static_cast<store::Day>(d);
      h.sessions = 1 + static_cast<std::int64_t>(host % 7);
      h.pools = 1 + static_cast<std::int64_t>(host % 2);
      h.coins = host % 3 ? "XMR" : "BTC";
      h.bytes_to_pools = static_cast<std::int64_t>(1000 + host % 100'000);
      h.kwh_per_day = 0.5 + static_cast<double>(host % 100) / 10;
      std::int64_t t = std::int64_t{h.day} * store::kNsPerDay;
      h.first_seen_ns = t + static_cast<std::int64_t>(host % 3600) * 1'000'000'000;
      h.last_seen_ns = h.first_seen_ns + 3'600'000'000'000;
      if (hashrates) h.hashrates.push_back({kAlgos[host % 4], "H/s", 1000.0 + static_cast<double>(host % 5000), 30.0});
      chunk.push_back(std::move(h));
    }
    if (auto r = (*db)->put_host_days(chunk); !r) {
      fmt::print(stderr, "mw-store-bench: {}\n", r.error().message);
      return 1;
    }
    double el = std::chrono::duration<double>(Clock::now() - t0).count();
    fmt::print(stderr, "\r{} / {} rows, {:.0f} rows/s   ", done, rows, static_cast<double>(done) / el);
  }
  double ingest = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print(stderr, "\n");
  fmt::print("store            {}\n", (*db)->name());
  fmt::print(
      "ingest           {} host-day rows{} in {:.1f} s: {:.0f} rows/s ({} addresses x {} days, {} rows per "
      "transaction)\n",
      rows, hashrates ? " (+1 hashrate row each)" : "", ingest, static_cast<double>(rows) / ingest, ips, days, batch);

  auto time_query = [&](const char* what, std::optional<store::Day> from, std::optional<store::Day> to) {
    std::vector<double> ms;
    std::size_t result_rows = 0;
    std::int64_t total = 0;
    for (int i = 0; i < repeats; ++i) {
      auto q0 = Clock::now();
      auto r = (*db)->active_ips_per_day(from, to);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - q0).count());
      if (!r) {
        fmt::print(stderr, "mw-store-bench: {}\n", r.error().message);
        return false;
      }
      result_rows = r->size();
      total = 0;
      for (const auto& d : *r) total += d.ips;
    }
    std::sort(ms.begin(), ms.end());
    fmt::print("{:<16} {} day(s), {} address-days: median {:.1f} ms, min {:.1f} ms, max {:.1f} ms ({} runs)\n", what,
               result_rows, total, ms[ms.size() / 2], ms.front(), ms.back(), ms.size());
    return true;
  };
  if (!time_query("daily-active all", std::nullopt, std::nullopt)) return 1;
  if (!time_query("daily-active 1d", day0 + days / 2, day0 + days / 2)) return 1;
  if (!time_query("daily-active 7d", day0, day0 + 6)) return 1;
  return 0;
}
