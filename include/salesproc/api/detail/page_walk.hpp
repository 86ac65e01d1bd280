// Following one URL's pages, decided without sockets: where the next page is (an RFC 8288 Link
// header with rel="next", or a URL taken from the body), resolved against the page that named
// it, and whether to fetch it: not past --max-pages, not to another origin without
// --follow-cross-origin, never from https to http, never to a page already fetched. Pages of the
// first URL's origin carry its credentials (userinfo); no other page does. The fetching coroutine
// fetches each page (with its own retries) and asks on_page() what comes next. Not thread-safe.
#pragma once

#include "salesproc/api/url.hpp"
#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace salesproc::detail {

struct page_options {
    unsigned max_pages = 1000;
    bool follow_cross_origin = false;
};

// The target of the first link with relation type "next" in a Link header value, if any.
// Handles several links in one value, quoted parameters holding ',' or ';', and several
// relation types in one rel ("next last").
std::optional<std::string> link_next(std::string_view link_header);

struct page_decision {
    enum class kind : std::uint8_t { done, fetch, fail } what = kind::done;
    http_url url;       // for fetch
    std::string error;  // for fail
    boost::system::error_code code;
};

class page_walk {
  public:
    page_walk(const http_url& first, page_options options);

    // Page `page_url` (where it was answered, after redirects) succeeded; `next` is the URL it
    // names as the next page, nothing when it is the last.
    page_decision on_page(const http_url& page_url, const std::optional<std::string>& next);

    // Pages that succeeded so far.
    [[nodiscard]] unsigned pages() const noexcept { return pages_; }

  private:
    std::string origin_;
    std::string userinfo_;  // the first URL's credentials, for the pages of its origin
    bool tls_ = false;      // the first URL is https: no page may fall back to http
    page_options options_;
    std::set<std::string> seen_;  // every page URL asked for, as scheme://authority/target
    unsigned pages_ = 0;
};

}  // namespace salesproc::detail
