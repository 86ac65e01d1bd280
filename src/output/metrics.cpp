#include "salesproc/output/metrics.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/output/atomic_file.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace salesproc {
namespace {

constexpr std::string_view last_success_name = "salesproc_last_success_timestamp_seconds";

// Label values escape backslash, double quote and newline, as the format requires.
void append_label_value(std::string& out, std::string_view v) {
    for (const char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
}

// The labels salesproc's own metrics carry (salesproc_rows, salesproc_api_requests,
// salesproc_rejected_rows).
constexpr std::string_view own_labels[] = {"result", "reason"};

// Seconds, to the millisecond, in plain notation; nullopt for a value that has none (infinite,
// NaN). Fixed notation of any finite double fits the buffer.
std::optional<std::string> number(double v) {
    if (!std::isfinite(v)) return std::nullopt;
    char buf[400];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    if (r.ec != std::errc()) return std::nullopt;
    return std::string(buf, r.ptr);
}

// A carried-over success time is a Unix time in seconds: from 1970 to the year 5138.
bool plausible_time(double v) {
    return std::isfinite(v) && v >= 0 && v < 1e11;
}

class exposition {
  public:
    explicit exposition(const std::vector<std::pair<std::string, std::string>>& labels)
        : labels_(labels) {}

    void family(std::string_view name, std::string_view help) {
        text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
        text_.append("# TYPE ").append(name).append(" gauge\n");
    }
    void sample(std::string_view name, const std::string& value, std::string_view label = {},
                std::string_view label_value = {}) {
        text_.append(name);
        bool any = false;
        auto add = [&](std::string_view k, std::string_view v) {
            text_ += any ? ',' : '{';
            any = true;
            text_.append(k).append("=\"");
            append_label_value(text_, v);
            text_ += '"';
        };
        for (const auto& [k, v] : labels_)
            add(k, v);
        if (!label.empty()) add(label, label_value);
        if (any) text_ += '}';
        text_.append(" ").append(value).append("\n");
    }
    std::string take() { return std::move(text_); }

  private:
    const std::vector<std::pair<std::string, std::string>>& labels_;
    std::string text_;
};

}  // namespace

result<std::vector<std::pair<std::string, std::string>>> parse_metrics_labels(
    const std::vector<std::string>& given) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& text : given) {
        const auto eq = text.find('=');
        auto usage = [&](const std::string& why) {
            return make_error(errc::invalid_argument, "--metrics-label " + text, why);
        };
        if (eq == std::string::npos || !is_label_name(std::string_view(text).substr(0, eq)))
            return usage("is not key=value with a Prometheus label name (e.g. job=nightly-eu)");
        std::string key = text.substr(0, eq);
        std::string value = text.substr(eq + 1);
        for (const auto own : own_labels)
            if (key == own)
                return usage("'" + key +
                             "' is a label of salesproc's own metrics; choose another name");
        for (const auto& [k, v] : out)
            if (k == key) return usage("the label '" + key + "' is given twice");
        if (!detail::is_valid_utf8(value)) return usage("the value is not valid UTF-8");
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

bool is_label_name(std::string_view key) noexcept {
    if (key.empty() || key.substr(0, 2) == "__") return false;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const char c = key[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

void note_outcome(run_metrics& m, const sales_aggregate& totals, unsigned scale,
                  const api_summary* api) {
    run_metrics::counts c;
    c.valid = totals.valid();
    c.invalid = totals.invalid();
    for (const auto why : all_reject_reasons)
        c.rejected[static_cast<std::size_t>(why)] = totals.rejected(why);
    c.total_sales = format_units(totals.total(), scale);
    m.rows = std::move(c);
    if (api != nullptr)
        m.api =
            run_metrics::api_counts{api->succeeded, api->requested - api->succeeded, api->retries};
}

std::string format_metrics(const run_metrics& m) {
    exposition e(m.labels);
    const double now = std::chrono::duration<double>(m.finished.time_since_epoch()).count();
    e.family("salesproc_last_run_timestamp_seconds", "Unix time at which the last run ended.");
    e.sample("salesproc_last_run_timestamp_seconds", number(now).value_or("0"));
    const std::optional<double> success =
        m.exit_code == 0 ? std::optional<double>(now) : m.last_success;
    if (success && number(*success)) {
        e.family(last_success_name, "Unix time at which the last successful run (exit 0) ended.");
        e.sample(last_success_name, *number(*success));
    }
    e.family("salesproc_exit_code",
             "Exit code of the last run (0 ok, 1 fatal, 2 usage, "
             "3 API sources failed, 4 quality gate, 130/143 signal).");
    e.sample("salesproc_exit_code", std::to_string(m.exit_code));
    e.family("salesproc_duration_seconds", "Wall time of the last run.");
    e.sample("salesproc_duration_seconds", number(m.duration_seconds).value_or("0"));
    e.family("salesproc_input_bytes", "CSV bytes read by the last run, as stored.");
    e.sample("salesproc_input_bytes", std::to_string(m.input_bytes));
    if (m.rows) {
        e.family("salesproc_rows", "Rows and API records validated by the last run, by result.");
        e.sample("salesproc_rows", std::to_string(m.rows->valid), "result", "valid");
        e.sample("salesproc_rows", std::to_string(m.rows->invalid), "result", "invalid");
        e.family("salesproc_rejected_rows",
                 "Rejected rows and records of the last run, by reason.");
        for (const auto why : all_reject_reasons)
            e.sample("salesproc_rejected_rows",
                     std::to_string(m.rows->rejected[static_cast<std::size_t>(why)]), "reason",
                     to_string(why));
        e.family("salesproc_total_sales", "Exact total of the valid sales of the last run.");
        e.sample("salesproc_total_sales", m.rows->total_sales);
    }
    if (m.api) {
        e.family("salesproc_api_requests", "API sources of the last run, by result.");
        e.sample("salesproc_api_requests", std::to_string(m.api->succeeded), "result", "succeeded");
        e.sample("salesproc_api_requests", std::to_string(m.api->failed), "result", "failed");
        e.family("salesproc_api_retries", "Retries the last run spent on API requests.");
        e.sample("salesproc_api_retries", std::to_string(m.api->retries));
    }
    return e.take();
}

std::optional<double> last_success_in(std::string_view previous) {
    std::size_t at = 0;
    while (at < previous.size()) {
        std::size_t end = previous.find('\n', at);
        if (end == std::string_view::npos) end = previous.size();
        const std::string_view line = previous.substr(at, end - at);
        at = end + 1;
        if (line.substr(0, last_success_name.size()) != last_success_name) continue;
        const std::string_view rest = line.substr(last_success_name.size());
        if (rest.empty() || (rest.front() != ' ' && rest.front() != '{')) continue;
        const std::size_t space = line.rfind(' ');
        const std::string value(line.substr(space + 1));
        double v = 0;
        const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
        if (r.ec == std::errc() && r.ptr == value.data() + value.size()) return v;
        return std::numeric_limits<double>::quiet_NaN();  // there, but no number we can carry
    }
    return std::nullopt;
}

result<void> commit_metrics(atomic_output& out, const std::string& path, run_metrics m,
                            logger& log) {
    if (m.exit_code != 0 && !m.last_success) {
        std::ifstream in(path, std::ios::binary);
        if (in) {
            std::stringstream text;
            text << in.rdbuf();
            m.last_success = last_success_in(text.str());
            if (m.last_success && !plausible_time(*m.last_success)) {
                log.warn(
                    "metrics: the last success time carried over is not a Unix time; "
                    "dropped",
                    {{"path", path}, {"metric", last_success_name}});
                m.last_success.reset();
            }
        }
    }
    return out.commit(format_metrics(m));
}

}  // namespace salesproc
