#pragma once
#include <cstdint>
#include <string>

#include "detect/engine.hpp"

namespace minewatch::app {

struct SensorOptions {
  std::string interface;
  std::string eve_path;    // "" = no EVE output, "-" = stdout
  std::string stats_path;  // JSON counters written at exit ("" = none)
  std::string sensor_name;
  std::string method = "auto";  // auto (AF_PACKET, libpcap if that fails) | af_packet | pcap
  std::size_t threads = 1;
  std::uint32_t block_bytes = 1u << 22;
  std::uint32_t block_count = 16;
  detect::EngineConfig engine;
};

// Captures until SIGINT/SIGTERM, then ends every flow and reports the counters. Exit status 0 on a
// clean stop, 1 when the interface could not be opened, 2 when events could not be written.
int run_sensor(const SensorOptions& options);

}  // namespace minewatch::app
