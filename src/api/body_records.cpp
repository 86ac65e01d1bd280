#include "salesproc/api/body_records.hpp"

#include "record_handler.hpp"
#include "salesproc/api/detail/json_scan.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cctype>

namespace salesproc {
namespace {

using detail::is_json_space;
using detail::utf8_bom;

// What went wrong, in our words, never the library's: `at` is the byte the parser stopped on,
// when there is one.
std::string json_problem(const boost::system::error_code& ec, std::optional<unsigned char> at) {
    using boost::json::error;
    switch (static_cast<error>(ec.value())) {
        case error::incomplete:
            return "unexpected end of input";
        case error::extra_data:
            return "unexpected data after the value";
        case error::exponent_overflow:
            return "number exponent out of range";
        case error::too_deep:
            return "nesting deeper than " + std::to_string(max_json_depth);
        case error::illegal_leading_surrogate:
        case error::illegal_trailing_surrogate:
            return "unpaired surrogate in a \\u escape";
        case error::expected_hex_digit:
            return "expected a hex digit in a \\u escape";
        default:
            break;
    }
    if (!at) return "unexpected end of input";
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", *at);
    if (*at >= 0x80) return std::string("invalid UTF-8 byte ") + hex;
    if (*at < 0x20 || *at == 0x7F) return std::string("unexpected control byte ") + hex;
    return std::string("unexpected character '") + static_cast<char>(*at) + "'";
}

// `\uD800` to `\uDBFF` at the end of `s`.
bool ends_with_high_surrogate(std::string_view s) {
    const std::string_view e = s.substr(s.size() - 6);
    const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    return e[0] == '\\' && e[1] == 'u' && (e[2] == 'd' || e[2] == 'D') &&
           std::string_view("89abAB").find(e[3]) != std::string_view::npos && hex(e[4]) &&
           hex(e[5]);
}

}  // namespace

std::optional<api_format> parse_api_format(std::string_view text) noexcept {
    if (text == "auto") return api_format::automatic;
    if (text == "json") return api_format::json;
    if (text == "ndjson") return api_format::ndjson;
    return std::nullopt;
}

api_format body_format(api_format configured, std::string_view content_type,
                       std::string_view url_path) noexcept {
    if (configured != api_format::automatic) return configured;
    std::string type(content_type.substr(0, content_type.find(';')));
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return is_json_space(c); }),
               type.end());
    for (const std::string_view lines :
         {"application/x-ndjson", "application/ndjson", "application/jsonl",
          "application/x-jsonlines", "application/jsonlines", "application/json-seq"})
        if (type == lines) return api_format::ndjson;
    const auto ends = [&](std::string_view ext) {
        return url_path.size() >= ext.size() &&
               url_path.substr(url_path.size() - ext.size()) == ext;
    };
    if (ends(".ndjson") || ends(".jsonl")) return api_format::ndjson;
    return api_format::json;
}

class body_records::impl {
    // A copy, so that a caller's temporary rules may go: first, as the parser's handler points
    // at it.
    rules rules_;

  public:
    impl(api_format format, const rules& r, const body_options& options, std::string context,
         const body_origin& origin)
        : rules_(r),
          ndjson_(format == api_format::ndjson),
          options_(options),
          context_(std::move(context)),
          parser_(parse_options(), handler_config(rules_, options, context_, ndjson_), out_) {
        out_.rejects.reset(options.rejects);
        if (origin.byte == 0 && !origin.resumes_array) return;
        // A BOM is only ever the body's first bytes.
        bom_decided_ = true;
        bytes_ = origin.byte;
        line_ = origin.line;
        out_.records = origin.record;
        if (origin.resumes_array) {
            // The parser is put where a reader of the whole body is after the ',': inside the
            // array, a value expected. The stand-in element before it is one record more.
            constexpr std::string_view resume = "[0,";
            bytes_ -= resume.size();
            --out_.records;
            (void)feed_body(resume);
        }
    }

    result<void> feed(std::string_view bytes) {
        if (failed_) return *failed_;
        if (!bom_decided_) {
            // RFC 8259 lets a reader skip a leading UTF-8 byte-order mark, and some servers send
            // one; it may arrive split.
            const std::size_t take = std::min(bytes.size(), utf8_bom.size() - head_.size());
            head_.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            if (head_.size() < utf8_bom.size() && utf8_bom.starts_with(head_)) return {};
            bom_decided_ = true;
            if (head_ == utf8_bom) {
                bytes_ += utf8_bom.size();
            } else {
                // One piece with what follows, so the parser sees the body as it came (Boost.JSON
                // words some errors differently when a \u escape is split).
                std::string first = std::move(head_);
                first.append(bytes);
                return feed_body(first);
            }
        }
        return feed_body(bytes);
    }

    result<void> finish() {
        if (failed_) return *failed_;
        if (!bom_decided_) {
            if (auto first = decide_bom(); !first) return first;
        }
        if (ndjson_) {
            if (line_has_value_) {
                if (auto ended = end_line(); !ended) return ended;
            }
        } else if (!parser_.done()) {
            if (auto ended = end_value(); !ended) return ended;
        }
        const auto& h = parser_.handler();
        if (!ndjson_ && !options_.layout.records_pointer.empty() && !h.records_found())
            return keep(make_error(
                errc::bad_json, context_,
                "the body has nothing at --records-pointer " + options_.layout.records_pointer));
        out_.rejects.set_lines(out_.records);
        return {};
    }

    void know_elements(std::string_view piece, std::size_t first,
                       std::span<const std::size_t> ends) {
        parser_.handler().raw_elements(piece, first, ends, out_.records);
    }

    api_records out_;
    std::uint64_t bytes_ = 0;

  private:
    static boost::json::parse_options parse_options() {
        boost::json::parse_options o;
        o.max_depth = max_json_depth;
        return o;
    }
    static detail::record_handler::config handler_config(const rules& r, const body_options& o,
                                                         const std::string& context, bool lines) {
        detail::record_handler::config c;
        c.rule_set = &r;
        c.root_is_record = lines;
        if (!lines) {
            c.records_path = detail::pointer_tokens(o.layout.records_pointer);
            c.has_next = !o.layout.next_pointer.empty();
            c.next_path = detail::pointer_tokens(o.layout.next_pointer);
            c.next_pointer = o.layout.next_pointer;
        }
        c.max_record_size = o.max_record_size;
        c.context = context;
        return c;
    }

    // The body ended within its first three bytes.
    result<void> decide_bom() {
        bom_decided_ = true;
        const std::string first = std::move(head_);
        return feed_body(first);
    }

    result<void> feed_body(std::string_view bytes) {
        result<void> fed = ndjson_ ? feed_lines(bytes) : feed_value(bytes);
        if (!ndjson_) bytes_ += bytes.size();
        if (!fed) return fed;
        // With --rejects every rejected record is listed: beyond a few MiB they wait on disk.
        if (auto spilled = out_.rejects.spill_over(options_.spill_bytes); !spilled)
            return keep(spilled.error());
        return {};
    }

    result<void> keep(error e) {
        failed_ = e;
        return e;
    }

    // The parser stopped on an error at `used` bytes into `bytes`.
    result<void> parse_failed(const boost::system::error_code& ec, std::string_view bytes,
                              std::size_t used) {
        const auto& h = parser_.handler();
        if (h.failure()) return keep(*h.failure());
        std::optional<unsigned char> at;
        if (used < bytes.size()) at = static_cast<unsigned char>(bytes[used]);
        // A high surrogate escape not followed by a low one stops the parser on the next byte,
        // as a syntax error: say what it is.
        std::string before = tail_;
        before.append(bytes.substr(0, used));
        auto problem = json_problem(ec, at);
        if (before.size() >= 6 && ends_with_high_surrogate(before))
            problem = "unpaired surrogate in a \\u escape";
        std::string where = "invalid JSON at ";
        if (ndjson_) where += "line " + std::to_string(line_ + 1) + ", ";
        where += "byte " + std::to_string(bytes_ + used);
        return keep(make_error(errc::bad_json, context_, where + ": " + problem));
    }

    // JSON: the bytes go to the parser; once its value is complete, only whitespace may follow.
    result<void> feed_value(std::string_view bytes) {
        std::size_t used = 0;
        if (!parser_.done()) {
            boost::system::error_code ec;
            auto& h = parser_.handler();
            h.input(bytes);
            used = parser_.write_some(true, bytes.data(), bytes.size(), ec);
            h.input_ends();
            if (ec) return parse_failed(ec, bytes, used);
            // An error's words may need the bytes before it only while the value goes on.
            if (parser_.done())
                tail_.clear();
            else
                remember_tail(bytes);
        }
        while (used < bytes.size() && is_json_space(bytes[used]))
            ++used;
        if (used < bytes.size()) return parse_failed(boost::json::error::extra_data, bytes, used);
        return {};
    }

    result<void> end_value() {
        boost::system::error_code ec;
        parser_.write_some(false, nullptr, 0, ec);
        if (ec) return parse_failed(ec, {}, 0);
        return {};
    }

    // NDJSON: a line is one record; blank lines (and an RFC 7464 record separator) are skipped.
    result<void> feed_lines(std::string_view bytes) {
        std::size_t at = 0;
        while (at < bytes.size()) {
            const std::size_t nl = std::min(bytes.find('\n', at), bytes.size());
            std::string_view part = bytes.substr(at, nl - at);
            // A line whole in these bytes is its record's raw text, for a reject's row.
            const bool whole = !line_has_value_ && nl != bytes.size();
            if (!line_has_value_) {
                std::size_t skip = 0;
                while (skip < part.size() && (is_json_space(part[skip]) || part[skip] == '\x1e'))
                    ++skip;
                part.remove_prefix(skip);
                bytes_ += skip;
                line_has_value_ = !part.empty();
            }
            if (!part.empty()) {
                if (auto fed = feed_line(part, whole, bytes); !fed) return fed;
                bytes_ += part.size();
            }
            if (nl == bytes.size()) break;
            if (line_has_value_) {
                if (auto ended = end_line(); !ended) return ended;
            }
            ++line_;
            ++bytes_;  // the newline
            at = nl + 1;
        }
        return {};
    }

    // A line's bytes from its first non-blank one; `whole`: to its end, in `bytes`.
    result<void> feed_line(std::string_view part, bool whole, std::string_view bytes) {
        auto& h = parser_.handler();
        if (whole) {
            switch (h.read_plain(part, bytes)) {
                case detail::plain_outcome::added:
                    line_has_value_ = false;  // nothing for the parser to finish
                    tail_.clear();
                    return {};
                case detail::plain_outcome::overflow:
                    return keep(*h.failure());
                case detail::plain_outcome::parse:
                    break;
            }
        }
        h.raw_line(whole ? part : std::string_view());
        return feed_value(part);
    }

    result<void> end_line() {
        if (!parser_.done()) {
            if (auto ended = end_value(); !ended) return ended;
        }
        parser_.reset();
        line_has_value_ = false;
        return {};
    }

    // The last bytes the parser took, for an error's words.
    void remember_tail(std::string_view bytes) {
        constexpr std::size_t keep_bytes = 6;
        if (bytes.size() >= keep_bytes) {
            tail_.assign(bytes.substr(bytes.size() - keep_bytes));
        } else {
            tail_.append(bytes);
            if (tail_.size() > keep_bytes) tail_.erase(0, tail_.size() - keep_bytes);
        }
    }

    bool ndjson_;
    bool bom_decided_ = false;
    std::string head_;  // the first bytes, until they are known not to be a BOM
    std::string tail_;
    body_options options_;
    std::string context_;
    boost::json::basic_parser<detail::record_handler> parser_;
    std::optional<error> failed_;
    std::uint64_t line_ = 0;
    bool line_has_value_ = false;
};

body_records::body_records(api_format format, const rules& r, const body_options& options,
                           std::string context, const body_origin& origin)
    : impl_(std::make_unique<impl>(format, r, options, std::move(context), origin)) {}
body_records::~body_records() = default;
body_records::body_records(body_records&&) noexcept = default;

void body_records::know_elements(std::string_view piece, std::size_t first,
                                 std::span<const std::size_t> ends) {
    impl_->know_elements(piece, first, ends);
}

void body_records::go_on_from(api_records&& earlier) {
    // The stand-in element of a reader that resumes an array is counted already.
    earlier.records = impl_->out_.records;
    impl_->out_ = std::move(earlier);
}

result<void> body_records::feed(std::string_view bytes) {
    return impl_->feed(bytes);
}
result<void> body_records::finish() {
    return impl_->finish();
}
api_records& body_records::records() noexcept {
    return impl_->out_;
}
std::uint64_t body_records::bytes() const noexcept {
    return impl_->bytes_;
}

}  // namespace salesproc
