#include "model/flow_model.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace minewatch::model {

namespace {

// Walks the text line by line and token by token; every failure names the line.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool next_line() {
    while (pos_ < text_.size()) {
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      line_ = text_.substr(pos_, end - pos_);
      if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
      pos_ = end + 1;
      ++line_no_;
      if (!line_.empty()) return true;
    }
    return false;
  }
  std::string_view token() {
    while (!line_.empty() && line_.front() == ' ') line_.remove_prefix(1);
    std::size_t sp = line_.find(' ');
    std::string_view t = line_.substr(0, sp);
    line_.remove_prefix(sp == std::string_view::npos ? line_.size() : sp);
    return t;
  }
  bool at_line_end() {
    while (!line_.empty() && line_.front() == ' ') line_.remove_prefix(1);
    return line_.empty();
  }
  template <typename T>
  bool number(T& out) {
    std::string_view t = token();
    if (t.empty()) return false;
    const char* b = t.data();
    if constexpr (std::is_floating_point_v<T>) {
      if (*b == '+') return false;
    }
    auto [p, ec] = std::from_chars(b, b + t.size(), out);
    return ec == std::errc{} && p == b + t.size();
  }
  [[nodiscard]] std::unexpected<Error> fail(std::string_view what) const {
    return make_error("flow model, line " + std::to_string(line_no_) + ": " + std::string(what));
  }

 private:
  std::string_view text_;
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t line_no_ = 0;
};

// Expects the next non-empty line to be `key` followed by one number.
template <typename T>
bool keyed(Reader& r, std::string_view key, T& out) {
  return r.next_line() && r.token() == key && r.number(out) && r.at_line_end();
}

}  // namespace

Result<FlowModel> FlowModel::parse(std::string_view text) {
  Reader r(text);
  FlowModel m;
  int version = 0;
  if (!r.next_line() || r.token() != "minewatch-flow-model" || !r.number(version) || !r.at_line_end())
    return r.fail("expected 'minewatch-flow-model 1'");
  if (version != 1) return r.fail("unsupported version");
  std::size_t features = 0;
  if (!keyed(r, "features", features)) return r.fail("expected 'features N'");
  if (features != kFeatureCount)
    return r.fail("model has " + std::to_string(features) + " features, this build computes " +
                  std::to_string(kFeatureCount));
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    std::size_t idx = 0;
    if (!r.next_line() || r.token() != "feature" || !r.number(idx) || idx != i)
      return r.fail("expected 'feature I NAME'");
    std::string_view name = r.token();
    if (name != kFeatureNames[i] || !r.at_line_end())
      return r.fail("feature " + std::to_string(i) + " is '" + std::string(name) + "', this build computes '" +
                    std::string(kFeatureNames[i]) + "'");
  }
  if (!r.next_line() || r.token() != "link" || r.token() != "logistic" || !r.at_line_end())
    return r.fail("expected 'link logistic'");
  if (!keyed(r, "bias", m.bias_) || !std::isfinite(m.bias_)) return r.fail("expected 'bias B' (finite)");
  if (!keyed(r, "threshold", m.threshold_) || !(m.threshold_ >= 0.0 && m.threshold_ <= 1.0))
    return r.fail("expected 'threshold T' with 0 <= T <= 1");
  std::size_t trees = 0;
  if (!keyed(r, "trees", trees) || trees == 0 || trees > kMaxTrees) return r.fail("expected 'trees K' (1..4096)");
  m.roots_.reserve(trees);
  for (std::size_t t = 0; t < trees; ++t) {
    std::size_t count = 0;
    if (!keyed(r, "tree", count) || count == 0 || count > kMaxNodesPerTree)
      return r.fail("expected 'tree M' (1..65536 nodes)");
    const auto base = static_cast<std::uint32_t>(m.nodes_.size());
    m.roots_.push_back(base);
    for (std::size_t i = 0; i < count; ++i) {
      if (!r.next_line()) return r.fail("tree ends early");
      std::string_view kind = r.token();
      Node n;
      if (kind == "leaf") {
        if (!r.number(n.value) || !std::isfinite(n.value) || !r.at_line_end()) return r.fail("expected 'leaf VALUE'");
      } else if (kind == "split") {
        std::size_t left = 0, right = 0;
        if (!r.number(n.feature) || !r.number(n.value) || !r.number(left) || !r.number(right) || !r.at_line_end())
          return r.fail("expected 'split F THRESHOLD LEFT RIGHT'");
        if (n.feature < 0 || static_cast<std::size_t>(n.feature) >= kFeatureCount)
          return r.fail("feature out of range");
        if (std::isnan(n.value)) return r.fail("threshold is not a number");
        // Children after their parent and inside the tree: every walk ends at a leaf.
        if (left <= i || right <= i || left >= count || right >= count) return r.fail("child index out of order");
        n.left = base + static_cast<std::uint32_t>(left);
        n.right = base + static_cast<std::uint32_t>(right);
      } else {
        return r.fail("expected 'split' or 'leaf'");
      }
      m.nodes_.push_back(n);
    }
  }
  if (!r.next_line() || r.token() != "end" || !r.at_line_end()) return r.fail("expected 'end'");
  if (r.next_line()) return r.fail("text after 'end'");
  m.build_perfect();
  return m;
}

double FlowModel::score(const FeatureVector& features) const {
  // sklearn's trees compare float32 features against double thresholds; so do we (the branch-free
  // layout through thresholds rounded down to floats, the same comparison), for equal scores.
  double raw;
  if (perfect_depth_ != 0) {
    std::array<float, kFeatureCount> xf;
    for (std::size_t i = 0; i < kFeatureCount; ++i) xf[i] = static_cast<float>(features[i]);
    raw = raw_perfect(xf);
  } else {
    std::array<double, kFeatureCount> x;
    for (std::size_t i = 0; i < kFeatureCount; ++i) x[i] = static_cast<double>(static_cast<float>(features[i]));
    raw = raw_walk(x);
  }
  return 1.0 / (1.0 + std::exp(-raw));
}

double FlowModel::score_by_walk(const FeatureVector& features) const {
  std::array<double, kFeatureCount> x;
  for (std::size_t i = 0; i < kFeatureCount; ++i) x[i] = static_cast<double>(static_cast<float>(features[i]));
  return 1.0 / (1.0 + std::exp(-raw_walk(x)));
}

double FlowModel::raw_walk(const std::array<double, kFeatureCount>& x) const {
  double raw = bias_;
  const Node* nodes = nodes_.data();
  for (std::uint32_t root : roots_) {
    const Node* n = nodes + root;
    while (n->feature >= 0) n = nodes + (x[static_cast<std::size_t>(n->feature)] <= n->value ? n->left : n->right);
    raw += n->value;
  }
  return raw;
}

namespace {

// Trees of one depth walked kLanes at a time: each lane's path is a chain of dependent loads, and
// interleaving independent chains lets the core overlap them. Leaves are still added in tree order.
template <std::size_t kDepth>
double sum_perfect(const auto* splits_base, const double* leaves_base, std::size_t trees,
                   const std::array<float, kFeatureCount>& x, double raw) {
  constexpr std::size_t kSplits = (std::size_t{1} << kDepth) - 1;
  constexpr std::size_t kLanes = 8;
  std::size_t t = 0;
  for (; t + kLanes <= trees; t += kLanes) {
    // Fully unrolled, so the lanes' indices live in registers (as a loop over an array, loop control and
    // index loads and stores were two thirds of the instructions: callgrind).
    std::array<std::size_t, kLanes> i{};
#pragma GCC unroll 8
    for (std::size_t level = 0; level < kDepth; ++level) {
#pragma GCC unroll 8
      for (std::size_t k = 0; k < kLanes; ++k) {
        const auto& sp = splits_base[(t + k) * kSplits + i[k]];
        i[k] = 2 * i[k] + 1 + static_cast<std::size_t>(!(x[sp.feature] <= sp.threshold));
      }
    }
#pragma GCC unroll 8
    for (std::size_t k = 0; k < kLanes; ++k) raw += leaves_base[(t + k) * (kSplits + 1) + i[k] - kSplits];
  }
  for (; t < trees; ++t) {
    std::size_t i = 0;
    for (std::size_t level = 0; level < kDepth; ++level) {
      const auto& sp = splits_base[t * kSplits + i];
      i = 2 * i + 1 + static_cast<std::size_t>(!(x[sp.feature] <= sp.threshold));
    }
    raw += leaves_base[t * (kSplits + 1) + i - kSplits];
  }
  return raw;
}

// The largest float <= v (v itself when it is one). NaN stays NaN: every comparison with it is false,
// as with the double.
float float_at_or_below(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

}  // namespace

double FlowModel::raw_perfect(const std::array<float, kFeatureCount>& x) const {
  // Same leaves, summed in the same order as raw_walk: the scores are bit-identical.
  const Split* s = perfect_splits_.data();
  const double* leaves = perfect_leaves_.data();
  const std::size_t n = roots_.size();
  static_assert(kMaxPerfectDepth == 6, "one instantiation per depth below");
  switch (perfect_depth_) {
    case 1: return sum_perfect<1>(s, leaves, n, x, bias_);
    case 2: return sum_perfect<2>(s, leaves, n, x, bias_);
    case 3: return sum_perfect<3>(s, leaves, n, x, bias_);
    case 4: return sum_perfect<4>(s, leaves, n, x, bias_);
    case 5: return sum_perfect<5>(s, leaves, n, x, bias_);
    default: return sum_perfect<6>(s, leaves, n, x, bias_);
  }
}

void FlowModel::build_perfect() {
  // Depth of every tree (children come after their parents, so one backward pass suffices).
  std::vector<std::size_t> height(nodes_.size(), 0);
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    const Node& n = nodes_[i];
    if (n.feature >= 0) height[i] = 1 + std::max(height[n.left], height[n.right]);
  }
  std::size_t depth = 0;
  for (std::uint32_t root : roots_) depth = std::max(depth, height[root]);
  if (depth == 0 || depth > kMaxPerfectDepth) return;
  const std::size_t splits = (std::size_t{1} << depth) - 1;
  perfect_splits_.assign(roots_.size() * splits, Split{});
  perfect_leaves_.assign(roots_.size() * (splits + 1), 0.0);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    Split* s = perfect_splits_.data() + t * splits;
    double* leaves = perfect_leaves_.data() + t * (splits + 1);
    // (node, heap position, level); a leaf reached early fills its whole subtree.
    struct Item {
      std::uint32_t node;
      std::size_t pos, level;
    };
    std::vector<Item> stack{{roots_[t], 0, 0}};
    while (!stack.empty()) {
      const Item it = stack.back();
      stack.pop_back();
      const Node& n = nodes_[it.node];
      if (it.level == depth) {
        leaves[it.pos - splits] = n.value;
        continue;
      }
      if (n.feature >= 0) {
        s[it.pos] = Split{float_at_or_below(n.value), static_cast<std::uint32_t>(n.feature)};
        stack.push_back({n.left, 2 * it.pos + 1, it.level + 1});
        stack.push_back({n.right, 2 * it.pos + 2, it.level + 1});
      } else {
        // Both ways lead to this leaf; the comparison's outcome does not matter.
        s[it.pos] = Split{0.0f, 0};
        stack.push_back({it.node, 2 * it.pos + 1, it.level + 1});
        stack.push_back({it.node, 2 * it.pos + 2, it.level + 1});
      }
    }
  }
  perfect_depth_ = depth;
}

}  // namespace minewatch::model
