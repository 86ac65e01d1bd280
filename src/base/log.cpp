#include "salesproc/base/log.hpp"

#include <unistd.h>

#include <ctime>
#include <string>

namespace salesproc {
namespace {

std::string utc_now_iso8601() {
    const auto now = std::chrono::system_clock::now();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count()));
    return out;
}

std::string text_value(const nlohmann::ordered_json& v) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (!s.empty() && s.find_first_of(" \"=") == std::string::npos) return s;
    }
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

logger::logger(verbosity level, log_format format, std::FILE* sink)
    : level_(level),
      format_(format),
      sink_(sink),
      progress_enabled_(level != verbosity::quiet && format == log_format::text &&
                        ::isatty(::fileno(sink)) != 0),
      started_(std::chrono::steady_clock::now()) {}

void logger::info(std::string_view event, const nlohmann::ordered_json& fields) {
    if (level_ != verbosity::quiet) write("info", event, fields);
}

void logger::debug(std::string_view event, const nlohmann::ordered_json& fields) {
    if (level_ == verbosity::verbose) write("debug", event, fields);
}

void logger::warn(std::string_view event, const nlohmann::ordered_json& fields) {
    write("warn", event, fields);
}

void logger::warn_line(std::string_view message, const nlohmann::ordered_json& fields) {
    write("warn", message, fields, false);
}

void logger::write(std::string_view level, std::string_view event,
                   const nlohmann::ordered_json& fields, bool fields_in_text) {
    std::string line;
    if (format_ == log_format::json) {
        nlohmann::ordered_json j;
        j["ts"] = utc_now_iso8601();
        j["level"] = level;
        j["event"] = event;
        if (fields.is_object())
            for (const auto& [k, v] : fields.items())
                j[k] = v;
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        line = "salesproc: ";
        if (level != "info") line.append(level).append(": ");
        line.append(event);
        if (fields.is_object() && fields_in_text)
            for (const auto& [k, v] : fields.items())
                line.append(" ").append(k).append("=").append(text_value(v));
    }
    line += '\n';
    std::lock_guard lock(mutex_);
    if (progress_shown_) {
        std::fputs("\r\033[K", sink_);
        progress_shown_ = false;
    }
    std::fwrite(line.data(), 1, line.size(), sink_);
    std::fflush(sink_);
}

void logger::progress(std::uint64_t bytes, std::uint64_t total_bytes, std::uint64_t rows) {
    if (!progress_enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (progress_shown_ && now - last_progress_ < std::chrono::milliseconds(100)) return;
    last_progress_ = now;
    const double secs = std::chrono::duration<double>(now - started_).count();
    const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
    const double pct =
        total_bytes ? 100.0 * static_cast<double>(bytes) / static_cast<double>(total_bytes) : 0.0;
    std::fprintf(sink_, "\r\033[Ksalesproc: %.1f MiB (%.0f%%), %.0f rows/s", mib, pct,
                 secs > 0 ? static_cast<double>(rows) / secs : 0.0);
    std::fflush(sink_);
    progress_shown_ = true;
}

void logger::finish_progress() {
    std::lock_guard lock(mutex_);
    if (!progress_shown_) return;
    std::fputs("\r\033[K", sink_);
    std::fflush(sink_);
    progress_shown_ = false;
}

void print_error(std::string_view message) {
    std::string line = "salesproc: error: ";
    line.append(message);
    // One line, whatever the message carries.
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace salesproc
