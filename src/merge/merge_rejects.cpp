// merge's rejects file: the parts' rejects files, record by record, checked and renumbered
// (see detail/merge_rejects.hpp).
#include "salesproc/merge/detail/merge_rejects.hpp"

#include "salesproc/input/csv.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>

namespace salesproc::detail {
namespace {

constexpr std::string_view csv_header = "source,line,reason,detail,row";

error malformed(const std::string& file, std::string why) {
    return make_error(errc::bad_report, file, "not a salesproc rejects file: " + std::move(why));
}

// Where the line number starts in `record`, and its source; nullopt when the record has not the
// shape salesproc writes.
struct line_field {
    std::size_t at = 0;
    std::string source;
};

std::optional<line_field> find_line(std::string_view record, rejects_format format) {
    line_field out;
    if (format == rejects_format::jsonl) {
        const auto key = record.find(",\"line\":");
        if (key == std::string_view::npos) return std::nullopt;
        const auto head =
            nlohmann::json::parse(std::string(record.substr(0, key)) + "}", nullptr, false);
        if (!head.is_object() || head.size() != 1 || !head.contains("source") ||
            !head["source"].is_string())
            return std::nullopt;
        out.source = head["source"].get<std::string>();
        out.at = key + 8;
        return out;
    }
    csv::tokenizer tok(record, ',');
    csv::record rec;
    std::string_view fields[2];
    if (!tok.next(rec, fields) || rec.field_count != 5 || rec.unterminated_quote)
        return std::nullopt;
    std::string scratch;
    out.source = std::string(csv::field_value(fields[0], scratch));
    out.at = static_cast<std::size_t>(fields[1].data() - record.data());
    return out;
}

}  // namespace

result<void> for_each_reject(std::istream& in, rejects_format format, const std::string& file,
                             const std::function<result<void>(std::string_view)>& visit) {
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
            if (record != csv_header)
                return malformed(file, "its first line is not " + std::string(csv_header));
            header = false;
        } else if (!record.empty()) {
            if (auto r = visit(record); !r) return r;
        }
        record.clear();
        quotes = 0;
    }
    if (in.bad()) return errno_error(file, errno);
    if (!record.empty()) return malformed(file, "it ends inside a quoted field");
    if (header) return malformed(file, "it is empty, without even the header line");
    return {};
}

result<std::string> renumber_reject(std::string_view record, rejects_format format,
                                    const std::string* shard_path, std::uint64_t offset,
                                    const std::string& file) {
    const auto field = find_line(record, format);
    if (!field)
        return malformed(file,
                         "a record without the five fields source, line, reason, detail, row");
    std::size_t end = field->at;
    while (end < record.size() && record[end] >= '0' && record[end] <= '9')
        ++end;
    std::uint64_t line = 0;
    const auto [stop, ec] = std::from_chars(record.data() + field->at, record.data() + end, line);
    if (end == field->at || ec != std::errc() || stop != record.data() + end)
        return malformed(file, "a record whose line is not a number");
    if (shard_path == nullptr || offset == 0 || field->source != *shard_path)
        return std::string(record);
    if (__builtin_add_overflow(line, offset, &line))
        return malformed(file, "a line number past 2^64 - 1");
    return std::string(record.substr(0, field->at)) + std::to_string(line) +
           std::string(record.substr(end));
}

result<void> merge_rejects(const std::vector<std::string>& files, rejects_format format,
                           const std::string& out_path, const std::vector<part_summary>& parts,
                           const std::function<result<void>(std::string_view)>& write,
                           const rejects_opener* open) {
    std::string buffer;
    if (format == rejects_format::csv) buffer = std::string(csv_header) + "\n";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& path = files[i];
        if (rejects_format_for(path) != format)
            return make_error(errc::parts_mismatch, path,
                              "is not in the format of --rejects " + out_path +
                                  " (CSV, or JSON Lines for .jsonl and .ndjson)");
        std::unique_ptr<rejects_stream> remote;
        std::ifstream file;
        if (open != nullptr) {
            auto opened = (*open)(path);
            if (!opened) return opened.error();
            remote = std::move(*opened);
        } else {
            file.open(path, std::ios::binary);
            if (!file) return errno_error(path, errno);
        }
        std::istream& in = remote ? remote->in() : file;
        const auto& rep = parts[i].report;
        const std::string* shard_path =
            rep.inputs.size() == 1 && rep.inputs[0].shard ? &rep.inputs[0].path : nullptr;
        std::uint64_t records = 0;
        auto read = for_each_reject(in, format, path, [&](std::string_view record) -> result<void> {
            auto moved = renumber_reject(record, format, shard_path, parts[i].line_offset, path);
            if (!moved) return moved.error();
            ++records;
            buffer += *moved;
            buffer += '\n';
            if (buffer.size() < (std::size_t{1} << 20)) return {};
            auto r = write(buffer);
            buffer.clear();
            return r;
        });
        if (!read) return read;
        if (remote)
            if (auto failed = remote->failure()) return *failed;
        if (records != rep.invalid_sales)
            return make_error(errc::parts_mismatch, path,
                              "holds " + std::to_string(records) + " rejects, but its part " +
                                  rep.path + " counts " + std::to_string(rep.invalid_sales) +
                                  " invalid sales: is it that part's rejects file, whole?");
    }
    return write(buffer);
}

}  // namespace salesproc::detail
