#include "salesproc/api/detail/page_walk.hpp"

#include <cctype>

namespace salesproc::detail {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t';
}

// Whether a rel value (space-separated relation types) holds "next".
bool has_next(std::string_view rel) {
    std::size_t i = 0;
    while (i < rel.size()) {
        while (i < rel.size() && is_ws(rel[i]))
            ++i;
        std::size_t j = i;
        while (j < rel.size() && !is_ws(rel[j]))
            ++j;
        if (j > i && iequals(rel.substr(i, j - i), "next")) return true;
        i = j;
    }
    return false;
}

std::string url_key(const http_url& u) {
    return std::string(u.tls ? "https://" : "http://") + u.authority() + u.target;
}

}  // namespace

namespace {

// A position in a Link header value (RFC 8288), and the steps of reading one.
struct link_cursor {
    std::string_view v;
    std::size_t i = 0;

    [[nodiscard]] bool at_end() const noexcept { return i >= v.size(); }
    [[nodiscard]] bool at(char c) const noexcept { return i < v.size() && v[i] == c; }
    void skip_ws() noexcept {
        while (i < v.size() && is_ws(v[i]))
            ++i;
    }
    // Past anything up to the next ',' outside quotes: what is not a link-value.
    void skip_to_comma() noexcept {
        bool quoted = false;
        for (; i < v.size() && (quoted || v[i] != ','); ++i) {
            if (v[i] == '\\' && quoted)
                ++i;
            else if (v[i] == '"')
                quoted = !quoted;
        }
    }
    // A parameter value: a quoted string (escapes undone) or a token.
    std::string value() {
        std::string out;
        if (at('"')) {
            for (++i; i < v.size() && v[i] != '"'; ++i) {
                if (v[i] == '\\' && i + 1 < v.size()) ++i;
                out += v[i];
            }
            if (i < v.size()) ++i;  // the closing quote
            return out;
        }
        const std::size_t start = i;
        while (i < v.size() && v[i] != ';' && v[i] != ',' && !is_ws(v[i]))
            ++i;
        return std::string(v.substr(start, i - start));
    }
    // The parameters after a link's target; true when one is rel with "next" among its types.
    bool rel_next() {
        bool next = false;
        for (skip_ws(); at(';'); skip_ws()) {
            ++i;
            skip_ws();
            const std::size_t name_start = i;
            while (i < v.size() && v[i] != '=' && v[i] != ';' && v[i] != ',' && !is_ws(v[i]))
                ++i;
            const std::string_view name = v.substr(name_start, i - name_start);
            skip_ws();
            std::string val;
            if (at('=')) {
                ++i;
                skip_ws();
                val = value();
            }
            if (iequals(name, "rel") && has_next(val)) next = true;
        }
        return next;
    }
};

}  // namespace

std::optional<std::string> link_next(std::string_view v) {
    link_cursor c{v};
    while (!c.at_end()) {
        c.skip_ws();
        if (c.at(',')) {
            ++c.i;
            continue;
        }
        if (c.at_end()) break;
        if (!c.at('<')) {
            c.skip_to_comma();  // not a link-value
            continue;
        }
        const std::size_t close = v.find('>', c.i + 1);
        if (close == std::string_view::npos) break;
        const std::string_view target = v.substr(c.i + 1, close - c.i - 1);
        c.i = close + 1;
        if (c.rel_next()) return std::string(target);
        // Anything else up to the next link-value is not ours to judge.
        while (!c.at_end() && !c.at(','))
            ++c.i;
    }
    return std::nullopt;
}

page_walk::page_walk(const http_url& first, page_options options)
    : origin_(first.origin()), userinfo_(first.userinfo), tls_(first.tls), options_(options) {
    seen_.insert(url_key(first));
}

page_decision page_walk::on_page(const http_url& page_url, const std::optional<std::string>& next) {
    ++pages_;
    seen_.insert(url_key(page_url));
    page_decision d;
    if (!next || next->empty()) return d;
    auto fail = [&](std::string why) {
        d.what = page_decision::kind::fail;
        d.code = make_error_code(errc::bad_pagination);
        d.error = std::move(why);
        return d;
    };
    auto resolved = resolve_location(page_url, *next);
    if (!resolved)
        return fail("page " + std::to_string(pages_) +
                    " names a next page that is not a URL: " + resolved.error().reason);
    const bool same_origin = resolved->origin() == origin_;
    if (!same_origin && !options_.follow_cross_origin)
        return fail("page " + std::to_string(pages_) + " names a next page on another origin (" +
                    resolved->redacted + "); pass --follow-cross-origin to follow it");
    if (tls_ && !resolved->tls)
        return fail("page " + std::to_string(pages_) + " (" + page_url.redacted +
                    ") names a next page over plain http (" + resolved->redacted +
                    "): refused, as a redirect would be");
    // The first URL's own credentials go to every page of its origin (scheme, host and port)
    // and nowhere else, whatever the next link carries.
    resolved->userinfo = same_origin ? userinfo_ : std::string();
    if (!seen_.insert(url_key(*resolved)).second)
        return fail("pagination loop: page " + std::to_string(pages_) + " names " +
                    resolved->redacted + ", which was already fetched");
    if (pages_ >= options_.max_pages)
        return fail("more than " + std::to_string(options_.max_pages) +
                    " pages (--max-pages); the next is " + resolved->redacted);
    d.what = page_decision::kind::fetch;
    d.url = std::move(*resolved);
    return d;
}

}  // namespace salesproc::detail
