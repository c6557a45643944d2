#pragma once
// `analyze --flow-scores PATH`: every flow the behaviour model scored, one CSV row each, in the column
// layout of CESNET DataZoo flow CSVs (PACKETS, PPI_PKT_DIRECTIONS, ...) plus addresses and the score,
// so the same tools read CESNET's data and ours (tools/model/eval_generated.py labels rows from mw-gen's
// ground truth; the training script takes labelled files with --extra).
#include <cstdio>

#include "detect/engine.hpp"

namespace minewatch::app {

class FlowScoreCsv final : public detect::FlowScoreSink {
 public:
  explicit FlowScoreCsv(std::FILE* out);
  void on_flow_scored(const detect::ScoredFlow& flow) override;

 private:
  std::FILE* out_;
};

}  // namespace minewatch::app
