#include "salesproc/merge.hpp"

#include "salesproc/atomic_file.hpp"
#include "salesproc/catalog.hpp"
#include "salesproc/csv.hpp"
#include "salesproc/metrics.hpp"
#include "salesproc/rejects.hpp"
#include "salesproc/report.hpp"
#include "salesproc/report_reader.hpp"
#include "salesproc/run.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>

namespace salesproc {
namespace {

using json = nlohmann::ordered_json;

// Keys order the catalog by part, then by first sighting within the part.
constexpr unsigned part_key_bits = 40;

error mismatch(const std::string& context, const std::string& reason) {
    return make_error(errc::parts_mismatch, context, reason);
}

std::optional<uint128> parse_count_text(std::string_view s) {
    if (s.empty() || s.size() > 39) return std::nullopt;
    uint128 v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const uint128 next = v * 10 + static_cast<unsigned>(c - '0');
        if (next / 10 != v) return std::nullopt;
        v = next;
    }
    return v;
}

// A decimal text at `scale` fraction digits, exactly; nullopt when it has more or overflows.
std::optional<int128> units_at(std::string_view text, unsigned scale) {
    const auto fp = parse_fixed(text);
    if (!fp || fp->scale > scale || fp->units < 0) return std::nullopt;
    int128 units = 0;
    int128 factor = 1;
    for (unsigned i = fp->scale; i < scale; ++i)
        factor *= 10;
    if (!checked_mul(fp->units, factor, units)) return std::nullopt;
    return units;
}

// The first rule two parts differ in, as "name a and b".
std::optional<std::string> rule_difference(const json& a, const json& b) {
    for (const auto& [key, value] : a.items()) {
        const std::string mine = value.dump();
        const std::string theirs = b.contains(key) ? b[key].dump() : "nothing";
        if (mine != theirs) {
            auto show = [](const json& v) {
                return v.is_binary() ? std::string(v.get_binary().begin(), v.get_binary().end())
                                     : v.dump();
            };
            return key + " " + show(value) + " and " + (b.contains(key) ? show(b[key]) : "nothing");
        }
    }
    for (const auto& [key, value] : b.items())
        if (!a.contains(key)) return key + " nothing and " + value.dump();
    return std::nullopt;
}

// What merge keeps of a part besides its products.
struct part_summary {
    partial_report report;
    std::uint64_t line_offset = 0;  // added to its CSV lines: its shard's place in the file
};

// Consecutive shards of one file: checked as a chain, their line numbers made global.
result<void> check_shards(std::vector<part_summary>& parts) {
    for (std::size_t i = 0; i < parts.size();) {
        const auto& first = parts[i].report;
        if (first.inputs.size() != 1 || !first.inputs[0].shard) {
            ++i;
            continue;
        }
        const std::string path = first.inputs[0].path;
        const unsigned count = first.inputs[0].shard->spec.count;
        // The group: consecutive parts holding shards 0..N-1 of `path` in order.
        std::size_t end = i;
        unsigned next = 0;
        while (end < parts.size() && parts[end].report.inputs.size() == 1 &&
               parts[end].report.inputs[0].shard && parts[end].report.inputs[0].path == path &&
               parts[end].report.inputs[0].shard->spec.count == count &&
               parts[end].report.inputs[0].shard->spec.index == next) {
            ++end;
            ++next;
        }
        if (next != count) {
            const std::string where = end < parts.size()
                                          ? "the part after it is " + parts[end].report.path
                                          : "no part follows";
            return mismatch(end == i ? parts[i].report.path : parts[end - 1].report.path,
                            "the shards of " + path + " must be given in order, 0/" +
                                std::to_string(count) + " to " + std::to_string(count - 1) + "/" +
                                std::to_string(count) + ": shard " + std::to_string(next) + "/" +
                                std::to_string(count) + " is missing (" + where + ")");
        }
        // Each shard's end state is its assumed start XOR its range's quote parity, whatever
        // it assumed; so the true start of every shard follows from shard 0's, which is outside.
        bool truth = false;
        std::string wrong;
        std::uint64_t lines = 0;
        for (std::size_t j = i; j < end; ++j) {
            const shard_outcome& s = *parts[j].report.inputs[0].shard;
            if (s.spec.start_quoted != truth) {
                const std::string flag = "--shard " + std::to_string(s.spec.index) + "/" +
                                         std::to_string(count) + " --shard-start " +
                                         std::string(quote_state_name(truth));
                wrong += (wrong.empty() ? "" : "; ") + std::string("shard ") +
                         std::to_string(s.spec.index) + "/" + std::to_string(count) + " (" +
                         parts[j].report.path + ") assumed " +
                         std::string(quote_state_name(s.spec.start_quoted)) + " but starts " +
                         std::string(quote_state_name(truth)) + ": re-run it with " + flag;
            }
            truth = truth != (s.spec.start_quoted != s.end_quoted);
            parts[j].line_offset = lines;
            lines += s.lines;
        }
        if (!wrong.empty()) return mismatch(path, "shard chain broken: " + wrong);
        i = end;
    }
    return {};
}

// The parts' inputs as one run lists them: a file's shards become that file again.
std::vector<csv_input_summary> merged_inputs(const std::vector<part_summary>& parts) {
    std::vector<csv_input_summary> out;
    for (const auto& p : parts)
        for (const auto& in : p.report.inputs) {
            if (in.shard && in.shard->spec.index != 0 && !out.empty()) {
                csv_input_summary& whole = out.back();
                whole.rows += in.rows;
                whole.valid += in.valid;
                whole.invalid += in.invalid;
                whole.bytes += in.bytes;
                whole.decompressed_bytes += in.decompressed_bytes;
                whole.chunks += in.chunks;
                continue;
            }
            out.push_back(in);
            out.back().shard.reset();
        }
    return out;
}

result<void> merge_samples(const std::vector<part_summary>& parts, std::size_t limit,
                           reject_samples& out) {
    for (const auto& p : parts) {
        if (!p.report.samples)
            return mismatch(p.report.path,
                            "has no rejected_samples (it ran with --samples 0): merge with "
                            "--samples 0");
        const std::string* shard_path = p.report.inputs.size() == 1 && p.report.inputs[0].shard
                                            ? &p.report.inputs[0].path
                                            : nullptr;
        for (std::size_t r = 0; r < reject_reason_count; ++r) {
            const auto& mine = (*p.report.samples)[r];
            if (mine.size() > limit)
                return mismatch(p.report.path, "has " + std::to_string(mine.size()) + " " +
                                                   std::string(to_string(all_reject_reasons[r])) +
                                                   " samples: it ran with more than --samples " +
                                                   std::to_string(limit));
            for (const auto& sample : mine) {
                if (out[r].size() >= limit) break;
                out[r].push_back(sample);
                if (shard_path != nullptr && sample.source == *shard_path)
                    out[r].back().line += p.line_offset;
            }
        }
    }
    return {};
}

// Rewrites the line number of one rejects record (CSV: its second field; JSON Lines: the
// "line" key, right after "source") when it comes from `shard_path`.
std::string renumber(std::string_view record, rejects_format format, const std::string* shard_path,
                     std::uint64_t offset) {
    if (shard_path == nullptr || offset == 0) return std::string(record);
    std::size_t line_at = 0;
    std::string source;
    if (format == rejects_format::jsonl) {
        const auto key = record.find(",\"line\":");
        if (key == std::string_view::npos) return std::string(record);
        const auto head = json::parse(std::string(record.substr(0, key)) + "}", nullptr, false);
        source = head.is_object() ? head.value("source", std::string()) : std::string();
        line_at = key + 8;
    } else {
        csv::tokenizer tok(record, ',');
        csv::record rec;
        std::string_view fields[2];
        tok.next(rec, fields);
        std::string scratch;
        source = std::string(csv::field_value(fields[0], scratch));
        line_at = static_cast<std::size_t>(fields[1].data() - record.data());
    }
    if (source != *shard_path) return std::string(record);
    std::size_t end = line_at;
    while (end < record.size() && record[end] >= '0' && record[end] <= '9')
        ++end;
    std::uint64_t line = 0;
    std::from_chars(record.data() + line_at, record.data() + end, line);
    return std::string(record.substr(0, line_at)) + std::to_string(line + offset) +
           std::string(record.substr(end));
}

result<void> merge_rejects(const merge_options& o, const std::vector<part_summary>& parts,
                           atomic_output& out) {
    const rejects_format format = rejects_format_for(*o.rejects_path);
    std::string buffer;
    auto flush = [&]() -> result<void> {
        auto r = out.write(buffer);
        buffer.clear();
        return r;
    };
    if (format == rejects_format::csv) buffer = "source,line,reason,detail,row\n";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& path = o.part_rejects[i];
        if (rejects_format_for(path) != format)
            return mismatch(path, "is not in the format of --rejects " + *o.rejects_path +
                                      " (CSV, or JSON Lines for .jsonl and .ndjson)");
        std::ifstream in(path, std::ios::binary);
        if (!in) return errno_error(path, errno);
        const auto& rep = parts[i].report;
        const std::string* shard_path =
            rep.inputs.size() == 1 && rep.inputs[0].shard ? &rep.inputs[0].path : nullptr;
        std::string line;
        std::string record;
        bool header = format == rejects_format::csv;
        std::size_t quotes = 0;
        while (std::getline(in, line)) {
            record += line;
            quotes += static_cast<std::size_t>(std::count(line.begin(), line.end(), '"'));
            // A CSV record goes on past a line break inside quotes.
            if (format == rejects_format::csv && quotes % 2 != 0) {
                record += '\n';
                continue;
            }
            if (header) {
                if (record != "source,line,reason,detail,row")
                    return make_error(errc::bad_report, path, "is not a salesproc rejects file");
                header = false;
            } else if (!record.empty()) {
                buffer += renumber(record, format, shard_path, parts[i].line_offset);
                buffer += '\n';
            }
            record.clear();
            quotes = 0;
            if (buffer.size() >= (std::size_t{1} << 20))
                if (auto r = flush(); !r) return r;
        }
        if (in.bad()) return errno_error(path, errno);
        if (!record.empty()) return make_error(errc::bad_report, path, "ends inside a record");
    }
    return flush();
}

struct merged {
    std::vector<part_summary> parts;
    product_catalog products;
    sales_aggregate totals;
    json rules;
    unsigned scale = 2;
    std::optional<api_summary> api;
};

result<void> read_parts(const merge_options& o, merged& m, logger& log) {
    for (std::size_t i = 0; i < o.parts.size(); ++i) {
        const std::string& path = o.parts[i];
        struct row {
            std::string name;
            uint128 quantity;
            std::string total;
        };
        std::vector<row> rows;  // this part's: its scale is known once its rules are read
        auto part = read_report(
            path,
            [&](std::string_view name, std::string_view quantity,
                std::string_view total) -> result<void> {
                const auto q = parse_count_text(quantity);
                if (!q)
                    return make_error(errc::bad_report, path,
                                      "the quantity of product '" + std::string(name) +
                                          "' is not an exact count: " + std::string(quantity));
                rows.push_back({std::string(name), *q, std::string(total)});
                return {};
            });
        if (!part) return part.error();
        if (i == 0) {
            m.rules = part->rules;
            const json& decimals = m.rules.value("max_decimals", json());
            if (!decimals.is_number_unsigned() || decimals.get<unsigned>() > max_scale)
                return make_error(errc::bad_report, path, "rules.max_decimals is not 0..18");
            m.scale = decimals.get<unsigned>();
        } else if (const auto diff = rule_difference(m.rules, part->rules)) {
            return mismatch(o.parts[0] + " and " + path,
                            "computed under different rules: " + *diff);
        }
        const std::uint64_t base = static_cast<std::uint64_t>(i) << part_key_bits;
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const auto amount = units_at(rows[k].total, m.scale);
            if (!amount)
                return make_error(errc::bad_report, path,
                                  "the total of product '" + rows[k].name +
                                      "' is not an exact amount at max_decimals: " + rows[k].total);
            m.products.add(rows[k].name, rows[k].quantity, static_cast<uint128>(*amount), base + k);
        }
        const auto total = units_at(part->total_sales, m.scale);
        if (!total)
            return make_error(errc::bad_report, path,
                              "total_sales is not an exact amount: " + part->total_sales);
        if (!m.totals.add_counts(part->valid_sales, part->rejected, *total))
            return make_error(errc::money_overflow, path,
                              "total_sales exceeds the exact 128-bit fixed-point range");
        if (part->api) {
            if (!m.api) {
                m.api = part->api;
            } else {
                api_summary& a = *m.api;
                const api_summary& b = *part->api;
                a.requested += b.requested;
                a.succeeded += b.succeeded;
                a.retries += b.retries;
                a.records += b.records;
                a.valid_sales += b.valid_sales;
                a.invalid_sales += b.invalid_sales;
                a.pages += b.pages;
                a.paginated = a.paginated || b.paginated;
                a.retry_budget_exhausted = a.retry_budget_exhausted || b.retry_budget_exhausted;
                a.failures.insert(a.failures.end(), b.failures.begin(), b.failures.end());
            }
        }
        log.debug("part read", {{"path", path}, {"products", rows.size()}});
        m.parts.push_back(part_summary{std::move(*part), 0});
    }
    return {};
}

int fail(const error& e) {
    print_error(e.message());
    return exit_failure;
}

int merge_steps(const merge_options& o, std::chrono::steady_clock::time_point started,
                run_metrics& metrics) {
    logger log(o.level, o.format);
    auto report_out = atomic_output::prepare(o.out_path);
    if (!report_out) return fail(report_out.error());
    std::optional<atomic_output> rejects_out;
    if (o.rejects_path) {
        auto prepared = atomic_output::prepare(*o.rejects_path);
        if (!prepared) return fail(prepared.error());
        rejects_out.emplace(std::move(*prepared));
    }
    merged m;
    if (auto r = read_parts(o, m, log); !r) return fail(r.error());
    if (auto r = check_shards(m.parts); !r) return fail(r.error());
    reject_samples samples;
    if (o.samples != 0)
        if (auto r = merge_samples(m.parts, o.samples, samples); !r) return fail(r.error());
    m.products.finish();
    const auto inputs = merged_inputs(m.parts);
    for (const auto& in : inputs)
        metrics.input_bytes += in.bytes;
    run_metrics::counts c;
    c.valid = m.totals.valid();
    c.invalid = m.totals.invalid();
    for (const auto why : all_reject_reasons)
        c.rejected[static_cast<std::size_t>(why)] = m.totals.rejected(why);
    c.total_sales = format_units(m.totals.total(), m.scale);
    metrics.rows = c;
    if (m.api)
        metrics.api = run_metrics::api_counts{m.api->succeeded, m.api->requested - m.api->succeeded,
                                              m.api->retries};

    if (rejects_out) {
        if (auto r = merge_rejects(o, m.parts, *rejects_out); !r) return fail(r.error());
        if (auto r = rejects_out->finish(); !r) return fail(r.error());
    }
    const auto gates = check_quality(o.gates, m.totals.invalid(), m.totals.rows());
    bool gate_failed = false;
    for (const auto& g : gates)
        if (!g.passed) {
            gate_failed = true;
            log.warn("quality gate exceeded",
                     {{"gate", g.flag}, {"limit", g.limit}, {"actual", g.actual}});
        }
    report_input in;
    in.totals = &m.totals;
    in.products = &m.products;
    in.scale = m.scale;
    in.csv_inputs = inputs;
    if (m.api) in.api = &*m.api;
    if (o.samples != 0) in.samples = &samples;
    if (o.gates.any()) in.quality = &gates;
    in.rules_section = &m.rules;
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    auto written = write_report(in, [&](std::string_view b) { return report_out->write(b); });
    if (written) written = report_out->finish();
    if (written) written = report_out->publish();
    if (written && rejects_out) written = rejects_out->publish();
    if (!written) return fail(written.error());
    log.info("merged",
             {{"parts", o.parts.size()}, {"products", m.products.size()}, {"path", o.out_path}});
    return gate_failed ? exit_quality : exit_ok;
}

}  // namespace

int run_merge(const merge_options& o) {
    const auto started = std::chrono::steady_clock::now();
    std::optional<atomic_output> metrics_out;
    if (o.metrics_path) {
        auto prepared = atomic_output::prepare(*o.metrics_path);
        if (!prepared) return fail(prepared.error());
        metrics_out.emplace(std::move(*prepared));
    }
    run_metrics metrics;
    metrics.labels = o.metrics_labels;
    const int code = merge_steps(o, started, metrics);
    if (!metrics_out) return code;
    metrics.exit_code = code;
    metrics.finished = std::chrono::system_clock::now();
    metrics.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (code != exit_ok && code != exit_quality) metrics.rows.reset();
    if (auto written = commit_metrics(*metrics_out, *o.metrics_path, metrics); !written) {
        print_error(written.error().message());
        return code == exit_ok ? static_cast<int>(exit_failure) : code;
    }
    return code;
}

}  // namespace salesproc
