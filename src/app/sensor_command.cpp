// `minewatch sensor`: options; the work is in sensor.cpp.
#include <memory>
#include <thread>

#include "app/command.hpp"
#include "app/sensor.hpp"

namespace minewatch::app {

void add_sensor_command(CLI::App& cli, CommandSet& commands) {
  auto opts = std::make_shared<SensorOptions>();
  opts->threads = std::max(1u, std::thread::hardware_concurrency());
  auto& o = *opts;
  auto* s = cli.add_subcommand("sensor", "Watch a live interface (AF_PACKET TPACKET_V3 with fanout; libpcap fallback)");
  s->add_option("--interface,-i", o.interface, "Interface to capture on")->required();
  s->add_option("--eve", o.eve_path, "Write EVE NDJSON events to PATH ('-' for stdout), flushed per event");
  s->add_option("--stats", o.stats_path, "Write the capture and drop counters as JSON to PATH at exit");
  s->add_option("--sensor-name", o.sensor_name, "Written as \"host\" in every event");
  s->add_option("--threads", o.threads,
                "Worker threads: one AF_PACKET fanout socket each, or (pcap) fed by a dealer thread; flows are dealt "
                "by address pair (default: number of cores)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  s->add_option("--method", o.method, "Capture method")->check(CLI::IsMember({"auto", "af_packet", "pcap"}));
  s->add_option("--ring-block-bytes", o.block_bytes, "TPACKET_V3 block size (power of two, >= page size)")
      ->check(CLI::Range(1u << 12, 1u << 30));
  s->add_option("--ring-blocks", o.block_count, "TPACKET_V3 blocks per socket")->check(CLI::Range(2u, 4096u));
  s->add_option("--max-flows", o.engine.max_flows, "Hard cap on concurrent flows (all workers together)")
      ->check(CLI::Range(1024u, 1u << 28));
  commands.add(s, [opts] { return run_sensor(*opts); });
}

}  // namespace minewatch::app
