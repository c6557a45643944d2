#pragma once
// Reader for CESNET DataZoo flow CSVs (CESNET-MINER22 and siblings): per-flow counters and the first
// packets' directions, sizes and times ("PPI"), with a label. Used to evaluate the flow model in C++
// exactly on the rows the training script saw, and by `minewatch flow-model eval`.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/flow_features.hpp"

namespace minewatch::model {

struct CesnetFlow {
  std::size_t line = 0;  // 1-based line in the file (the header is line 1)
  bool miner = false;    // LABEL == "Miner"
  std::uint64_t pkts_up = 0, pkts_down = 0;
  FlowSample sample;
};

// Reads every row; a malformed row is an error naming file and line. Needs the columns PACKETS,
// PACKETS_REV, LABEL, PPI_PKT_DIRECTIONS, PPI_PKT_LENGTHS, PPI_PKT_TIMES (type prefixes such as
// "uint32 " are ignored); rows with fewer than 2 packets are skipped (the training script skips them too).
[[nodiscard]] Result<std::vector<CesnetFlow>> read_cesnet_csv(const std::string& path);

// "2021-12-14T16:45:41.773000" -> milliseconds since the Unix epoch (truncated); nullopt if malformed.
[[nodiscard]] Result<std::int64_t> parse_cesnet_time_ms(std::string_view text);

}  // namespace minewatch::model
