#pragma once
// A small, correct test pool for probing and end-to-end tests: Stratum V1, CryptoNote and ETHProxy over
// TCP, plus a silent port (accepts, never answers), non-mining services (an HTTP server, an SMTP server)
// and a slow peer (each reply delayed). Loopback only unless explicitly allowed. One thread, poll().
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "probe/clock.hpp"
#include "probe/dialect.hpp"

namespace minewatch::probe {

enum class SimMode : std::uint8_t { Pool, Silent, Http, Smtp };
std::string_view sim_mode_name(SimMode m);

struct ListenerSpec {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  Dialect dialect = Dialect::Stratum;
  SimMode mode = SimMode::Pool;
  Duration delay{};  // before each reply
};

// "ADDR:PORT[,dialect=D][,mode=pool|silent|http|smtp][,delay=MS]"; unspecified keys come from `defaults`.
Result<ListenerSpec> parse_listener(std::string_view text, const ListenerSpec& defaults);

struct SimStats {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> shares{0};
};

class SimPool {
 public:
  explicit SimPool(bool allow_non_loopback = false);
  ~SimPool();
  SimPool(const SimPool&) = delete;
  SimPool& operator=(const SimPool&) = delete;

  // Binds and listens; returns the bound port.
  Result<std::uint16_t> listen(const ListenerSpec& spec);
  // Serves until `stop` becomes true (checked at least every 100 ms).
  void run(const std::atomic<bool>& stop);
  // Serves on a background thread until stop() or destruction (tests).
  void start();
  void stop();

  [[nodiscard]] const SimStats& stats() const { return stats_; }

 private:
  struct Listener;
  struct Conn;
  void accept_on(Listener& l);
  void on_readable(Conn& c);
  void handle_line(Conn& c, std::string_view line);
  void reply(Conn& c, std::string text);
  void pool_answer(Conn& c, std::string_view line);

  bool allow_non_loopback_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<Conn>> conns_;
  SimStats stats_;
  std::atomic<bool> stop_flag_{false};
  std::thread thread_;
  std::uint64_t next_session_ = 1;
};

}  // namespace minewatch::probe
