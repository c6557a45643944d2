#include "gen/json.hpp"

#include <fmt/format.h>

#include <numeric>

namespace mwgen {

void json_escape(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void Json::write(std::string& out, bool spaced, Rng* shuffle) const {
  switch (type_) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += int_ != 0 ? "true" : "false"; return;
    case Type::Int: out += std::to_string(int_); return;
    case Type::Num: out += fmt::format("{}", num_); return;
    case Type::Str: json_escape(out, str_); return;
    case Type::Arr:
      out += '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i != 0) out += spaced ? ", " : ",";
        items_[i].write(out, spaced, shuffle);
      }
      out += ']';
      return;
    case Type::Obj: {
      std::vector<std::size_t> order(keys_.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      if (shuffle != nullptr) shuffle->shuffle(std::span<std::size_t>{order});
      out += '{';
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (i != 0) out += spaced ? ", " : ",";
        json_escape(out, keys_[order[i]]);
        out += spaced ? ": " : ":";
        items_[order[i]].write(out, spaced, shuffle);
      }
      out += '}';
      return;
    }
  }
}

Json LineWriter::request(Json id_value, std::string_view method, Json params, bool jsonrpc,
                         std::string_view ver) const {
  Json j;
  j.set("id", std::move(id_value));
  if (jsonrpc && style_.jsonrpc) j.set("jsonrpc", Json{ver});
  j.set("method", Json{method});
  j.set("params", std::move(params));
  return j;
}

Json LineWriter::response(Json id_value, Json result, Json error, bool jsonrpc) const {
  Json j;
  j.set("id", std::move(id_value));
  if (jsonrpc && style_.jsonrpc) j.set("jsonrpc", Json{"2.0"});
  j.set("result", std::move(result));
  j.set("error", std::move(error));
  return j;
}

}  // namespace mwgen
