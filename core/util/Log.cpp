#include "util/Log.h"

#include <hpt/Error.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace hpt {

std::shared_ptr<spdlog::logger> logger() {
    static std::shared_ptr<spdlog::logger> log = [] {
        auto l = spdlog::stderr_color_mt("hpt");
        l->set_level(spdlog::level::warn);
        l->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
        return l;
    }();
    return log;
}

void configureLogging(const std::string& level, const std::string& file) {
    const auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off")
        throw configError("--log-level", "unknown level '" + level + "'; use trace, debug, info, warn, error or off");
    auto l = logger();
    l->set_level(lvl);
    if (!file.empty()) {
        try {
            l->sinks().push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, false));
        } catch (const spdlog::spdlog_ex& e) {
            throw configError("--log-file", std::string("cannot open log file: ") + e.what());
        }
    }
}

}  // namespace hpt
