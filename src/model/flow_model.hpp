#pragma once
// Gradient-boosted decision trees over the port-agnostic flow features (flow_features.hpp), trained by
// tools/model/train_flow_model.py and shipped as text in data/models/flow_model.txt. That file is
// compiled into the binary, so scoring needs no data directory; FlowModel::parse reads any other copy.
//
// Format (one record per line, tokens separated by single spaces):
//   minewatch-flow-model 1
//   features N              then N lines "feature I NAME" (must equal kFeatureNames, in order)
//   link logistic
//   bias B                  raw score starts here
//   threshold T             decision threshold on the probability (chosen by cross-validation)
//   trees K                 then K trees: "tree M" and M nodes, root first:
//     split F THRESHOLD LEFT RIGHT   go LEFT when float(feature F) <= THRESHOLD (children after parent)
//     leaf VALUE                     added to the raw score
//   end
// probability = 1 / (1 + exp(-(B + sum of the leaves reached))).
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/flow_features.hpp"

namespace minewatch::model {

class FlowModel {
 public:
  static constexpr std::size_t kMaxTrees = 4096;
  static constexpr std::size_t kMaxNodesPerTree = 1u << 16;

  // Parses and validates a model text; the error names the line.
  [[nodiscard]] static Result<FlowModel> parse(std::string_view text);
  // The model compiled into the binary (data/models/flow_model.txt at build time). Parsed once.
  [[nodiscard]] static const FlowModel& embedded();
  // The text of the embedded model.
  [[nodiscard]] static std::string_view embedded_text();

  // Probability in [0, 1] that the flow is mining.
  [[nodiscard]] double score(const FeatureVector& features) const;
  // score() by walking each tree node by node, never through the branch-free layout (for tests).
  [[nodiscard]] double score_by_walk(const FeatureVector& features) const;
  [[nodiscard]] bool branch_free() const { return perfect_depth_ != 0; }
  [[nodiscard]] double threshold() const { return threshold_; }
  [[nodiscard]] bool is_mining(double score) const { return score >= threshold_; }
  [[nodiscard]] std::size_t trees() const { return roots_.size(); }
  [[nodiscard]] std::size_t nodes() const { return nodes_.size(); }

 private:
  // Leaves have feature < 0; a split's left child is `left`, its right child `left + right_delta`
  // would save bytes, but plain indices keep the loader's checks obvious.
  struct Node {
    double value = 0;  // split threshold, or leaf value
    std::int32_t feature = -1;
    std::uint32_t left = 0;
    std::uint32_t right = 0;
  };
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> roots_;
  // The same trees as perfect binary trees of depth perfect_depth_ (a leaf above that depth is a split
  // that sends both ways to copies of it), walked without branches: a fixed number of steps, the next
  // index computed from the comparison. Mispredicted branches dominated the plain walk. Built when
  // every tree is at most kMaxPerfectDepth deep (sklearn's max_depth=4 gives 4); 0 = not built.
  static constexpr std::size_t kMaxPerfectDepth = 6;
  // The threshold is the largest float at or below the double one: for a float feature x,
  // x <= threshold as floats exactly when double(x) <= the double threshold, in half the bytes.
  struct Split {
    float threshold = 0;
    std::uint32_t feature = 0;
  };
  std::size_t perfect_depth_ = 0;
  std::vector<Split> perfect_splits_;   // per tree 2^D - 1, heap order
  std::vector<double> perfect_leaves_;  // per tree 2^D
  void build_perfect();
  [[nodiscard]] double raw_walk(const std::array<double, kFeatureCount>& x) const;
  [[nodiscard]] double raw_perfect(const std::array<float, kFeatureCount>& x) const;
  double bias_ = 0;
  double threshold_ = 0.5;
};

}  // namespace minewatch::model
