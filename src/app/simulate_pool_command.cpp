// `minewatch simulate-pool`: a small test pool (Stratum V1, CryptoNote, ETHProxy) and misbehaving peers
// (silent, not mining, slow) on loopback, for probing tests and demonstrations.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>

#include "app/command.hpp"
#include "probe/sim_pool.hpp"

namespace minewatch::app {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_simulate_pool_stop_signal(int) { g_stop = true; }

}  // namespace

void add_simulate_pool_command(CLI::App& cli, CommandSet& commands) {
  struct Args {
    std::vector<std::string> listen;
    std::string dialect = "stratum";
    bool silent = false, not_mining = false, allow_non_loopback = false;
    std::string service = "http";
    unsigned delay_ms = 0;
    double duration_s = 0;
  };
  auto args = std::make_shared<Args>();
  auto* sub = cli.add_subcommand("simulate-pool", "Run a small test pool (and misbehaving peers) on loopback");
  sub->add_option("--listen", args->listen,
                  "ADDR:PORT[,dialect=D][,mode=pool|silent|http|smtp][,delay=MS]; port 0 picks a free port; "
                  "repeat for several listeners")
      ->required();
  sub->add_option("--dialect", args->dialect, "Default dialect: stratum | cryptonote | ethproxy")
      ->check(CLI::IsMember({"stratum", "cryptonote", "ethproxy"}));
  sub->add_flag("--silent", args->silent, "Accept connections, never answer");
  sub->add_flag("--not-mining", args->not_mining, "Answer like an ordinary service (see --service)");
  sub->add_option("--service", args->service, "Service for --not-mining: http | smtp")
      ->check(CLI::IsMember({"http", "smtp"}));
  sub->add_option("--delay", args->delay_ms, "Delay every reply by MS milliseconds (a slow peer)");
  sub->add_flag("--allow-non-loopback", args->allow_non_loopback, "Allow listening on non-loopback addresses");
  sub->add_option("--duration", args->duration_s, "Stop after this many seconds (default: until SIGINT/SIGTERM)");
  commands.add(sub, [args] {
    probe::ListenerSpec defaults;
    defaults.dialect = *probe::parse_dialect(args->dialect);
    defaults.mode = args->silent       ? probe::SimMode::Silent
                    : args->not_mining ? (args->service == "smtp" ? probe::SimMode::Smtp : probe::SimMode::Http)
                                       : probe::SimMode::Pool;
    defaults.delay = std::chrono::milliseconds{args->delay_ms};
    probe::SimPool pool(args->allow_non_loopback);
    for (const auto& l : args->listen) {
      auto spec = probe::parse_listener(l, defaults);
      if (!spec) {
        fmt::print(stderr, "minewatch simulate-pool: {}\n", spec.error().message);
        return 2;
      }
      auto port = pool.listen(*spec);
      if (!port) {
        fmt::print(stderr, "minewatch simulate-pool: {}\n", port.error().message);
        return 2;
      }
      bool v6 = spec->address.find(':') != std::string::npos;
      fmt::print("listening {} dialect={} mode={} delay={}ms\n",
                 v6 ? fmt::format("[{}]:{}", spec->address, *port) : fmt::format("{}:{}", spec->address, *port),
                 probe::dialect_name(spec->dialect), probe::sim_mode_name(spec->mode),
                 std::chrono::duration_cast<std::chrono::milliseconds>(spec->delay).count());
    }
    std::fflush(stdout);
    std::signal(SIGINT, on_simulate_pool_stop_signal);
    std::signal(SIGTERM, on_simulate_pool_stop_signal);
    std::thread timer;
    if (args->duration_s > 0) {
      timer = std::thread([d = args->duration_s] {
        auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(d);
        while (!g_stop && std::chrono::steady_clock::now() < end) {
          std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
        g_stop = true;
      });
    }
    pool.run(g_stop);
    if (timer.joinable()) timer.join();
    const auto& st = pool.stats();
    fmt::print(stderr, "simulate-pool: {} connections, {} requests, {} shares\n", st.connections.load(),
               st.requests.load(), st.shares.load());
    return 0;
  });
}

}  // namespace minewatch::app
