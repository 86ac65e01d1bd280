// The checks between merge's parts: the same input read twice, and the shards of one file as a
// chain and as one file (see detail/merge_parts.hpp).
#include "salesproc/merge/detail/merge_parts.hpp"

#include <map>
#include <tuple>

namespace salesproc::detail {
namespace {

error mismatch(const std::string& context, const std::string& reason) {
    return make_error(errc::parts_mismatch, context, reason);
}

std::string shard_name(const shard_spec& s) {
    return std::to_string(s.index) + "/" + std::to_string(s.count);
}

const csv_input_summary* shard_input(const part_summary& p) {
    const auto& in = p.report.inputs;
    return in.size() == 1 && in[0].shard ? &in[0] : nullptr;
}

// The group starting at `i`: consecutive parts holding shards 0..N-1 of one file, in order.
// Returns its end and the next index it expected (N when complete).
std::pair<std::size_t, unsigned> shard_group(const std::vector<part_summary>& parts,
                                             std::size_t i) {
    const csv_input_summary& first = *shard_input(parts[i]);
    std::size_t end = i;
    unsigned next = 0;
    while (end < parts.size()) {
        const csv_input_summary* in = shard_input(parts[end]);
        if (in == nullptr || in->path != first.path ||
            in->shard->spec.count != first.shard->spec.count || in->shard->spec.index != next)
            break;
        ++end;
        ++next;
    }
    return {end, next};
}

// Every shard of the group read the same file: the same size, mtime and content.
result<void> check_one_file(const std::vector<part_summary>& parts, std::size_t i,
                            std::size_t end) {
    const csv_input_summary& first = *shard_input(parts[i]);
    for (std::size_t j = i + 1; j < end; ++j) {
        const csv_input_summary& in = *shard_input(parts[j]);
        if (in.identity == first.identity) continue;
        std::string what = !first.identity || !in.identity
                               ? std::string("one records no identity of the file")
                               : identity_difference(*first.identity, *in.identity);
        return mismatch(parts[i].report.path + " and " + parts[j].report.path,
                        "shards " + shard_name(first.shard->spec) + " and " +
                            shard_name(in.shard->spec) + " of " + first.path +
                            " read different files (" + what +
                            "): the file changed between shard runs; re-run all " +
                            std::to_string(first.shard->spec.count) + " shards on one version");
    }
    return {};
}

// Each shard's end state is its assumed start XOR its range's quote parity, whatever it assumed;
// so the true start of every shard follows from shard 0's, which is outside.
result<void> check_quote_chain(std::vector<part_summary>& parts, std::size_t i, std::size_t end) {
    const std::string& path = shard_input(parts[i])->path;
    bool truth = false;
    std::string wrong;
    std::uint64_t lines = 0;
    for (std::size_t j = i; j < end; ++j) {
        const shard_outcome& s = *shard_input(parts[j])->shard;
        if (s.spec.start_quoted != truth) {
            const std::string flag = "--shard " + shard_name(s.spec) + " --shard-start " +
                                     std::string(quote_state_name(truth));
            wrong += (wrong.empty() ? "" : "; ") + std::string("shard ") + shard_name(s.spec) +
                     " (" + parts[j].report.path + ") assumed " +
                     std::string(quote_state_name(s.spec.start_quoted)) + " but starts " +
                     std::string(quote_state_name(truth)) + ": re-run it with " + flag;
        }
        truth = truth != (s.spec.start_quoted != s.end_quoted);
        parts[j].line_offset = lines;
        lines += s.lines;
    }
    if (!wrong.empty()) return mismatch(path, "shard chain broken: " + wrong);
    return {};
}

}  // namespace

result<void> check_same_inputs(const std::vector<part_summary>& parts) {
    // How one input (path, size, mtime, fingerprint) was read so far: whole by one part, or in
    // shards of one split by several.
    struct reads {
        std::optional<std::size_t> whole;
        unsigned count = 0;
        std::map<unsigned, std::size_t> shards;  // index -> part
    };
    std::map<std::tuple<std::string, std::uint64_t, std::int64_t, std::string>, reads> seen;
    auto twice = [&](std::size_t a, std::size_t b, const std::string& what) {
        return mismatch(parts[a].report.path + " and " + parts[b].report.path,
                        what + ": merging them would count it twice");
    };
    for (std::size_t p = 0; p < parts.size(); ++p)
        for (const auto& in : parts[p].report.inputs) {
            if (!in.identity) continue;  // stdin or a FIFO: nothing to know it by
            reads& r = seen[std::make_tuple(in.path, in.identity->size, in.identity->mtime_ns,
                                            in.identity->fingerprint)];
            const std::string same = "both read " + in.path + " (the same size, mtime and content)";
            if (r.whole) return twice(*r.whole, p, same);
            if (!in.shard) {
                if (!r.shards.empty()) return twice(r.shards.begin()->second, p, same);
                r.whole = p;
                continue;
            }
            const shard_spec& s = in.shard->spec;
            if (!r.shards.empty() && r.count != s.count)
                return twice(r.shards.begin()->second, p,
                             "both hold shards of " + in.path + ", split in " +
                                 std::to_string(r.count) + " and in " + std::to_string(s.count));
            if (const auto it = r.shards.find(s.index); it != r.shards.end())
                return twice(it->second, p, "both hold shard " + shard_name(s) + " of " + in.path);
            r.count = s.count;
            r.shards.emplace(s.index, p);
        }
    return {};
}

result<void> check_shards(std::vector<part_summary>& parts) {
    for (std::size_t i = 0; i < parts.size();) {
        const csv_input_summary* first = shard_input(parts[i]);
        if (first == nullptr) {
            ++i;
            continue;
        }
        const unsigned count = first->shard->spec.count;
        const auto [end, next] = shard_group(parts, i);
        if (next != count) {
            const std::string where = end < parts.size()
                                          ? "the part after it is " + parts[end].report.path
                                          : "no part follows";
            return mismatch(end == i ? parts[i].report.path : parts[end - 1].report.path,
                            "the shards of " + first->path + " must be given in order, 0/" +
                                std::to_string(count) + " to " + std::to_string(count - 1) + "/" +
                                std::to_string(count) + ": shard " + std::to_string(next) + "/" +
                                std::to_string(count) + " is missing (" + where + ")");
        }
        if (auto r = check_one_file(parts, i, end); !r) return r;
        if (auto r = check_quote_chain(parts, i, end); !r) return r;
        i = end;
    }
    return {};
}

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
                if (whole.remote && in.remote) whole.remote->resumes += in.remote->resumes;
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
        const csv_input_summary* shard = shard_input(p);
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
                if (shard != nullptr && sample.source == shard->path)
                    out[r].back().line += p.line_offset;
            }
        }
    }
    return {};
}

}  // namespace salesproc::detail
