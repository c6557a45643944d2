// The shipped model, data/models/flow_model.txt, compiled in at build time (CMake writes its bytes to
// generated/flow_model.inc), so scoring works from any directory without a data path.
#include <cstdio>
#include <cstdlib>

#include "model/flow_model.hpp"

namespace minewatch::model {

namespace {
constexpr unsigned char kEmbeddedModel[] = {
#include "flow_model.inc"
};
}  // namespace

std::string_view FlowModel::embedded_text() {
  return {reinterpret_cast<const char*>(kEmbeddedModel), sizeof(kEmbeddedModel)};
}

const FlowModel& FlowModel::embedded() {
  static const FlowModel model = [] {
    auto m = parse(embedded_text());
    if (!m) {
      // A build shipped a model this code cannot read: a build error, caught by the model tests.
      std::fprintf(stderr, "minewatch: embedded %s\n", m.error().message.c_str());
      std::abort();
    }
    return std::move(*m);
  }();
  return model;
}

}  // namespace minewatch::model
