// libFuzzer target for the flow-model loader: any text either loads into a model whose every tree walk
// ends at a leaf, or is rejected with an error. Loaded models are scored on a few feature vectors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/flow_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = minewatch::model::FlowModel::parse(text);
  if (!m) return 0;
  minewatch::model::FeatureVector f{};
  for (double v : {-1e30, 0.0, 1.0, 1e30}) {
    f.fill(v);
    double s = m->score(f);
    if (!(s >= 0.0 && s <= 1.0)) __builtin_trap();
  }
  return 0;
}
