#include "record_handler.hpp"

#include <boost/json/error.hpp>

namespace salesproc::detail {

std::vector<std::string> pointer_tokens(std::string_view pointer) {
    std::vector<std::string> tokens;
    std::size_t at = 0;
    while (at < pointer.size()) {
        ++at;  // the '/'
        const std::size_t end = std::min(pointer.find('/', at), pointer.size());
        std::string token;
        for (std::size_t i = at; i < end; ++i) {
            if (pointer[i] == '~' && i + 1 < end) {
                token += pointer[i + 1] == '1' ? '/' : '~';
                ++i;
            } else {
                token += pointer[i];
            }
        }
        tokens.push_back(std::move(token));
        at = end;
    }
    return tokens;
}

record_handler::record_handler(config c, api_records& out)
    : c_(std::move(c)), out_(out), fields_(*c_.rule_set), quick_(*c_.rule_set) {
    stack_.reserve(max_json_depth + 1);
    rec_.quick = &quick_;
}

record_handler::position record_handler::where_slow() const {
    position p;
    if (stack_.empty()) {
        p.is_record = c_.root_is_record;
        if (c_.root_is_record) return p;
        p.records_prefix = true;
        p.records_full = c_.records_path.empty();
        p.next_prefix = c_.has_next;
        p.next_full = false;
        return p;
    }
    const frame& parent = stack_.back();
    if (parent.records_array) {
        p.is_record = true;
        return p;
    }
    if (in_record_ || (!parent.on_records && !parent.on_next)) return p;
    const std::size_t d = stack_.size();
    // Only objects and arrays on a pointer's path get here, so the token is worth its string.
    const std::string index = parent.object ? std::string() : std::to_string(parent.index);
    const std::string_view token = parent.object ? key_view_ : index;
    if (parent.on_records && d <= c_.records_path.size() && c_.records_path[d - 1] == token) {
        p.records_prefix = true;
        p.records_full = d == c_.records_path.size();
    }
    if (parent.on_next && d <= c_.next_path.size() && c_.next_path[d - 1] == token) {
        p.next_prefix = true;
        p.next_full = d == c_.next_path.size();
    }
    return p;
}

bool record_handler::keep_strings() const {
    // Strings are only ever needed inside a record or for the next URL; anything else is skipped
    // without being built.
    if (in_record_) return true;
    const position p = where();
    return p.is_record || p.records_full || p.next_full;
}

bool record_handler::too_large(error_code& ec) {
    return fail(make_error(errc::record_too_large, c_.context,
                           (in_record_ ? "record " + std::to_string(out_.records) + " is"
                                       : std::string("a value outside the records is")) +
                               " larger than --max-record-size " +
                               std::to_string(c_.max_record_size) + " bytes"),
                ec);
}

bool record_handler::fail(error e, error_code& ec) {
    failure_ = std::move(e);
    ec = boost::json::error::exception;  // any error stops the parse; failure_ says why
    return false;
}

void record_handler::begin_record() {
    in_record_ = true;
    record_depth_ = stack_.size();
    record_bytes_ = 0;
    rec_.raw = {};
    if (!line_.empty()) {
        rec_.raw = line_;
    } else if (const std::uint64_t i = out_.records - first_record_; i < element_ends_.size()) {
        const std::size_t begin = i == 0 ? first_element_ : element_ends_[i - 1] + 1;
        rec_.raw = piece_.substr(begin, element_ends_[i] - begin);
    }
    // With --rejects every rejected record's row is wanted: a tape as it goes costs less than
    // reading each one's text again. Otherwise the few rows kept come from their text.
    whole_ = !rec_.raw.empty();
    if (out_.rejects.lists_all()) rec_.raw = {};
    build_row_ = rec_.raw.empty() && out_.rejects.wants_any();
    lean_ready_ = whole_ && !build_row_ && cannot_be_too_large(rec_.raw.size(), c_.max_record_size);
    row_.clear();
    fields_.begin();
}

bool record_handler::end_record(error_code& ec) {
    in_record_ = false;
    rec_.object = record_object_;
    fields_.finish(rec_);
    rec_.row = build_row_ ? row_.view() : std::string_view();
    // Fields kept in place lie in the bytes being read, which stay as long as the record.
    rec_.readable = whole_ ? input_ : std::string_view();
    if (add_record(rec_, *c_.rule_set, out_)) return true;
    return fail(overflow(), ec);
}

error record_handler::overflow() const {
    return total_overflow(out_, c_.context);
}

plain_outcome record_handler::read_plain(std::string_view line, std::string_view readable) {
    if (!c_.root_is_record) return plain_outcome::parse;
    plain_context plain{fields_, rec_, c_.max_record_size};
    const plain_outcome o = add_plain_record(line, readable, plain, *c_.rule_set, out_);
    if (o == plain_outcome::overflow) failure_ = overflow();
    return o;
}

void record_handler::value_starts(const position& p, bool container, bool object) {
    // At --records-pointer an array holds the records; any other value is one.
    if (p.is_record || (p.records_full && !(container && !object))) {
        begin_record();
        record_object_ = container && object;
        return;
    }
    if (!in_record_) return;
    frame& parent = stack_.back();
    if (stack_.size() == record_depth_ + 1 && parent.object) {
        fields_.key(key_view_);
        if (fields_.wants_value() && container)
            field_value(field_value_seen::kind::other, object ? "object" : "array");
    } else {
        fields_.not_a_field();
    }
    if (!build_row_) return;
    if (!parent.first) row_.put(',');
    parent.first = false;
    if (parent.object) {
        row_.put_string(key_view_);
        row_.put(':');
    }
}

void record_handler::field_value(field_value_seen::kind k, std::string_view text) {
    // A value whole in the bytes being read stays there as long as its record is read.
    fields_.value(k, text, whole_ && in_input(text));
}

bool record_handler::value_ends(error_code& ec) {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
    if (in_record_ && stack_.size() == record_depth_) return end_record(ec);
    return true;
}

bool record_handler::begin_container(bool object, error_code& ec) {
    const position p = where();
    if (p.next_full)
        return fail(make_error(errc::bad_json, c_.context,
                               "--next-pointer " + c_.next_pointer + " names " +
                                   std::string(object ? "an object" : "an array") +
                                   ", expected a URL string or null"),
                    ec);
    if (p.records_full) records_found_ = true;
    value_starts(p, true, object);
    clear_key();
    if (in_record_ && build_row_) row_.put(object ? '{' : '[');
    frame f;
    f.object = object;
    f.on_records = p.records_prefix && !p.records_full;
    f.on_next = p.next_prefix && !p.next_full;
    f.records_array = p.records_full && !object && !p.is_record && !in_record_;
    stack_.push_back(f);
    if (in_record_ && stack_.size() == record_depth_ + 1 && lean_ready_) {
        lean_ = true;
        lean_depth_ = 0;
    }
    return !in_record_ || grow(1, ec);
}

bool record_handler::end_container(char close, error_code& ec) {
    stack_.pop_back();
    if (in_record_ && build_row_) row_.put(close);
    return value_ends(ec);
}

bool record_handler::on_key_part(std::string_view s, std::size_t, error_code& ec) {
    key_ += s;
    key_view_ = key_;
    return fits(key_.size(), ec);
}

bool record_handler::on_key(std::string_view s, std::size_t, error_code& ec) {
    // A key whole in the bytes being parsed is used where it lies (see input()).
    if (key_.empty() && in_input(s)) {
        key_view_ = s;
    } else {
        key_ += s;
        key_view_ = key_;
    }
    if (lean_) {
        if (lean_depth_ == 0) fields_.key(key_view_);
        clear_key();
        return true;
    }
    return grow(key_view_.size() + 3, ec);
}

bool record_handler::on_string_part(std::string_view s, std::size_t, error_code& ec) {
    if (!keep_strings()) return true;
    str_ += s;
    return fits(str_.size(), ec);
}

bool record_handler::on_string(std::string_view s, std::size_t, error_code& ec) {
    if (!keep_strings()) {
        clear_key();
        return value_ends(ec);
    }
    std::string_view text = s;
    if (!str_.empty()) {
        str_ += s;
        text = str_;
    }
    if (lean_) {
        if (fields_.wants_value()) field_value(field_value_seen::kind::string, text);
        str_.clear();
        return true;
    }
    const bool ok = string_value(text, ec);
    str_.clear();
    return ok;
}

bool record_handler::string_value(std::string_view text, error_code& ec) {
    const position p = where();
    if (p.records_full) records_found_ = true;
    if (p.next_full) out_.next = std::string(text);
    value_starts(p, false, false);
    clear_key();
    if (in_record_) {
        if (!grow(text.size() + 3, ec)) return false;
        if (build_row_) row_.put_string(text);
        if (fields_.wants_value()) field_value(field_value_seen::kind::string, text);
    }
    return value_ends(ec);
}

bool record_handler::on_number_part(std::string_view s, error_code& ec) {
    num_ += s;
    return fits(num_.size(), ec);
}

bool record_handler::number(std::string_view last, error_code& ec) {
    std::string_view text = last;
    if (!num_.empty()) {
        num_ += last;
        text = num_;
    }
    if (lean_) {
        if (fields_.wants_value()) field_value(field_value_seen::kind::number, text);
        num_.clear();
        return true;
    }
    const bool ok = scalar(text, {}, ec);
    num_.clear();
    return ok;
}

bool record_handler::scalar(std::string_view text, std::string_view type, error_code& ec) {
    if (lean_) {
        if (fields_.wants_value()) field_value(field_value_seen::kind::other, type);
        return true;
    }
    const position p = where();
    if (p.records_full) records_found_ = true;
    if (p.next_full && !(type == "null"))
        return fail(make_error(errc::bad_json, c_.context,
                               "--next-pointer " + c_.next_pointer + " names a " +
                                   std::string(type.empty() ? "number" : type) +
                                   ", expected a URL string or null"),
                    ec);
    value_starts(p, false, false);
    clear_key();
    if (in_record_) {
        if (!grow(text.size() + 1, ec)) return false;
        if (build_row_) row_.put(text);
        if (fields_.wants_value())
            field_value(
                type.empty() ? field_value_seen::kind::number : field_value_seen::kind::other,
                type.empty() ? text : type);
    }
    return value_ends(ec);
}

}  // namespace salesproc::detail
