#pragma once
// One spdlog logger for the whole program ("hpt"); batch mode points it at a
// file with --log-file and sets its level with --log-level.
#include <memory>
#include <string>

namespace spdlog { class logger; }

namespace hpt {
std::shared_ptr<spdlog::logger> logger();
// level: trace, debug, info, warn, error, off. Throws hpt::Error on a bad
// level name; file "" keeps logging on stderr only.
void configureLogging(const std::string& level, const std::string& file);
}  // namespace hpt
