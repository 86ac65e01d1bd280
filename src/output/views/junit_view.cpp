// JUnit XML as GitLab (artifacts:reports:junit) and Jenkins (the junit step) read it: one
// <testsuite> in <testsuites>; a test case per quality gate, per API URL, per input and per
// part of a merged report; the counts on both elements agree with the cases
// (tests/schema/junit.xsd checks the shape).
#include "salesproc/output/views.hpp"

#include "view_common.hpp"
#include "view_text.hpp"

#include <map>
#include <set>

namespace salesproc {
namespace {

using detail::markup;

struct junit_case {
    enum class kind { passed, failure, error, skipped };
    junit_case(std::string cls, std::string case_name)
        : classname(std::move(cls)), name(std::move(case_name)) {}
    std::string classname;
    std::string name;
    kind outcome = kind::passed;
    std::string type;     // failure or error type
    std::string message;  // one line
    std::string text;     // the element's body
};

// Seconds with millisecond precision, as both readers parse it.
std::string seconds(std::uint64_t ms) {
    std::string millis = std::to_string(ms % 1000);
    millis.insert(0, 3 - millis.size(), '0');
    return std::to_string(ms / 1000) + "." + millis;
}

// An ISO 8601 date-time without a zone, which Jenkins' schema wants ("2026-12-07T14:16:15").
std::string timestamp(std::string_view generated_at) {
    std::string out(generated_at);
    if (!out.empty() && out.back() == 'Z') out.pop_back();
    return out;
}

std::string render(const std::vector<junit_case>& cases, std::uint64_t duration_ms,
                   const std::string& generated_at,
                   const std::vector<std::pair<std::string, std::string>>& properties) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    for (const auto& c : cases) {
        failures += c.outcome == junit_case::kind::failure ? 1 : 0;
        errors += c.outcome == junit_case::kind::error ? 1 : 0;
        skipped += c.outcome == junit_case::kind::skipped ? 1 : 0;
    }
    const std::string counts = "tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                               std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                               "\"";
    const std::string time = "time=\"" + seconds(duration_ms) + "\"";
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"salesproc\" " + counts +
        " " + time + ">\n  <testsuite name=\"salesproc\" " + counts + " skipped=\"" +
        std::to_string(skipped) + "\" " + time + " timestamp=\"" + markup(timestamp(generated_at)) +
        "\">\n";
    if (!properties.empty()) {
        out += "    <properties>\n";
        for (const auto& [name, value] : properties)
            out +=
                "      <property name=\"" + markup(name) + "\" value=\"" + markup(value) + "\"/>\n";
        out += "    </properties>\n";
    }
    for (const auto& c : cases) {
        out += "    <testcase classname=\"" + markup(c.classname) + "\" name=\"" + markup(c.name) +
               "\" time=\"0.000\"";
        if (c.outcome == junit_case::kind::passed) {
            out += "/>\n";
            continue;
        }
        const char* element = c.outcome == junit_case::kind::failure ? "failure"
                              : c.outcome == junit_case::kind::error ? "error"
                                                                     : "skipped";
        out += ">\n      <" + std::string(element) + " message=\"" + markup(c.message) + "\"";
        if (c.outcome != junit_case::kind::skipped) out += " type=\"" + markup(c.type) + "\"";
        out += ">" + markup(c.text) + "</" + element + ">\n    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

// A name unique within its class: readers key results by class and name.
std::string unique_name(std::set<std::string>& taken, const std::string& name) {
    std::string candidate = name;
    for (unsigned n = 2; !taken.insert(candidate).second; ++n)
        candidate = name + " #" + std::to_string(n);
    return candidate;
}

}  // namespace

std::string render_junit(const report_view& v) {
    std::vector<junit_case> cases;
    for (const auto& g : v.gates) {
        junit_case c("salesproc.quality_gates", g.flag);
        if (!g.passed) {
            c.outcome = junit_case::kind::failure;
            c.type = "quality_gate";
            c.message = g.flag + " exceeded: limit " + g.limit + ", actual " + g.actual;
            c.text = c.message;
        }
        cases.push_back(std::move(c));
    }
    if (v.api) {
        std::set<std::string> taken;
        std::map<std::string, std::vector<const api_summary::failure*>> failed;
        std::vector<std::string> failed_urls;
        for (const auto& f : v.api->failures) {
            failed[f.url].push_back(&f);
            failed_urls.push_back(f.url);
        }
        // A report written before api.urls was recorded names only the URLs that failed.
        for (const auto& url : v.api->urls.empty() ? failed_urls : v.api->urls) {
            junit_case c("salesproc.api_sources", unique_name(taken, url));
            auto it = failed.find(url);
            if (it != failed.end() && !it->second.empty()) {
                const auto* f = it->second.front();
                it->second.erase(it->second.begin());
                c.outcome = junit_case::kind::failure;
                c.type = f->code;
                c.message = f->code + ": " + f->error;
                c.text = c.message + " (" + std::to_string(f->attempts) + " attempts)";
            }
            cases.push_back(std::move(c));
        }
    }
    std::set<std::string> taken;
    for (const auto& in : v.inputs)
        cases.emplace_back("salesproc.inputs", unique_name(taken, detail::input_label(in)));
    // A merged report's parts, each shard among them: the merge read every one.
    taken.clear();
    for (const auto& p : v.parts)
        cases.emplace_back(
            "salesproc.parts",
            unique_name(taken, p.shard.empty() ? p.path : p.path + " (shard " + p.shard + ")"));
    return render(cases, v.duration_ms, v.generated_at,
                  {{"total_sales", format_units(v.total_sales, v.scale)},
                   {"valid_sales", std::to_string(v.valid)},
                   {"invalid_sales", std::to_string(v.invalid)}});
}

std::string render_failed_junit(const std::vector<std::string>& inputs, std::size_t failed,
                                const std::string& message,
                                std::chrono::system_clock::time_point when,
                                std::uint64_t duration_ms) {
    std::vector<junit_case> cases;
    std::set<std::string> taken;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        junit_case c("salesproc.inputs", unique_name(taken, inputs[i]));
        if (i == failed) {
            c.outcome = junit_case::kind::error;
            c.type = "unreadable";
            c.message = message;
            c.text = message;
        } else if (i > failed || failed >= inputs.size()) {
            c.outcome = junit_case::kind::skipped;
            c.message = failed < inputs.size() ? "not read: the run stopped at an earlier input"
                                               : "the run stopped: see the test case 'run'";
        }
        cases.push_back(std::move(c));
    }
    if (failed >= inputs.size()) {
        junit_case c("salesproc", "run");
        c.outcome = junit_case::kind::error;
        c.type = "run_failed";
        c.message = message;
        c.text = message;
        cases.push_back(std::move(c));
    }
    return render(cases, duration_ms, iso8601(when), {});
}

}  // namespace salesproc
