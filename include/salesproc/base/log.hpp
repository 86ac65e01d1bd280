// Step logging to stderr as text or one JSON object per line, plus a TTY-only progress line.
// Thread-safe: every call takes an internal lock and writes whole lines.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string_view>

namespace salesproc {

enum class verbosity { quiet, normal, verbose };
enum class log_format { text, json };

// Prints a fatal error as one stderr line, "salesproc: error: <message>" (line breaks in the
// message become spaces), whatever the log format: the line scripts and people look for.
void print_error(std::string_view message);

class logger {
  public:
    logger(verbosity level, log_format format, std::FILE* sink = stderr);

    void info(std::string_view event, const nlohmann::ordered_json& fields = {});
    void debug(std::string_view event, const nlohmann::ordered_json& fields = {});
    // Warnings show even with --quiet: they are about the correctness of this run.
    void warn(std::string_view event, const nlohmann::ordered_json& fields = {});
    // A warning whose text says it all, "salesproc: warn: <message>", with `fields` for JSON
    // logs only.
    void warn_line(std::string_view message, const nlohmann::ordered_json& fields = {});

    // Progress line (bytes done, rows/s); shown only on a terminal with text logs, at most 10
    // times a second. finish_progress() clears it.
    void progress(std::uint64_t bytes, std::uint64_t total_bytes, std::uint64_t rows);
    void finish_progress();
    [[nodiscard]] bool progress_enabled() const noexcept { return progress_enabled_; }

  private:
    void write(std::string_view level, std::string_view event, const nlohmann::ordered_json& fields,
               bool fields_in_text = true);

    verbosity level_;
    log_format format_;
    std::FILE* sink_;
    bool progress_enabled_;
    bool progress_shown_ = false;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_progress_;
    std::mutex mutex_;
};

}  // namespace salesproc
