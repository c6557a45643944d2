#pragma once
// Expected operational failures (files, config, lists) are values: Result<T>.
#include <expected>
#include <string>
#include <utility>

namespace minewatch {

struct Error {
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> make_error(std::string message) {
  return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace minewatch
