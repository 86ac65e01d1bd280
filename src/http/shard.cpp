#include "http/shard.hpp"

#include "http/wait_group.hpp"
#include "salesproc/api/api_records.hpp"
#include "salesproc/api/content_coding.hpp"
#include "salesproc/api/detail/fetch_step.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>

namespace salesproc::http_detail {

run_state::run_state(std::vector<http_url> u)
    : urls(std::move(u)), outcomes(urls.size()), budget(urls.size()) {
    for (std::size_t i = 0; i < urls.size(); ++i)
        outcomes[i].url = urls[i].redacted;
}

std::unique_ptr<connection> connection_pool::take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
}

void connection_pool::put(const std::string& key, std::unique_ptr<connection> c) {
    idle_[key].push_back(std::move(c));
}

asio::awaitable<void> shard::run(std::size_t workers) {
    signal_count_ = workers;
    signals_ = std::make_unique<asio::cancellation_signal[]>(signal_count_);
    wait_group group(ex_);
    std::exception_ptr bug;
    group.add(signal_count_);
    for (std::size_t i = 0; i < signal_count_; ++i)
        asio::co_spawn(
            ex_, worker(),
            asio::bind_cancellation_slot(signals_[i].slot(), [&](const std::exception_ptr& e) {
                if (e && !bug) bug = e;
                group.done();
            }));
    co_await group.wait();
    pool_.clear();
    signal_count_ = 0;
    if (bug) std::rethrow_exception(bug);
}

void shard::cancel() {
    for (std::size_t i = 0; i < signal_count_; ++i)
        signals_[i].emit(asio::cancellation_type::terminal);
}

std::optional<milliseconds> shard::time_left() const {
    if (!state_.deadline) return std::nullopt;
    const auto left = std::chrono::duration_cast<milliseconds>(*state_.deadline - steady::now());
    return std::max(left, milliseconds(0));
}

asio::awaitable<void> shard::worker() {
    while (!ctx_.stop.stopping()) {
        const std::size_t index = state_.next.fetch_add(1, std::memory_order_relaxed);
        if (index >= state_.urls.size()) break;
        co_await fetch_one(index);
    }
}

// One URL: its pages in order, each a request with its own redirects and retries (fetch_step),
// the next page decided by page_walk. Records of pages that succeeded are kept when a later one
// fails.
asio::awaitable<void> shard::fetch_one(std::size_t index) {
    url_outcome& out = state_.outcomes[index];
    const http_url& original = state_.urls[index];
    detail::page_walk walk(original, ctx_.settings.pages);
    http_url page = original;
    for (;;) {
        std::optional<page_result> got = co_await fetch_page(out, original, page);
        if (!got) co_return;  // out says why
        ++out.pages;
        out.records += got->records.records;
        if (!out.sales.merge(got->records.sales)) {
            out.code = make_error_code(errc::money_overflow);
            out.error = "the total of product '" + out.sales.overflowed_product() +
                        "' exceeds the exact 128-bit fixed-point range";
            // Nothing of an overflowed total is kept.
            out.sales.clear();
            out.rejects.clear();
            out.records = 0;
            out.pages = 0;
            co_return;
        }
        out.rejects.push_back(std::move(got->records.rejects));
        // The body's pointer wins; without one, the Link header.
        std::optional<std::string> next = std::move(got->records.next);
        if (ctx_.settings.layout.next_pointer.empty()) next = detail::link_next(got->link);
        const detail::page_decision d = walk.on_page(got->url, next);
        if (d.what == detail::page_decision::kind::done) break;
        if (d.what == detail::page_decision::kind::fail) {
            out.code = d.code;
            out.error = d.error;
            co_return;
        }
        page = d.url;
    }
    out.ok = true;
    out.error.clear();
    out.code.clear();
}

asio::awaitable<std::optional<shard::page_result>> shard::fetch_page(url_outcome& out,
                                                                     const http_url& original,
                                                                     const http_url& page) {
    using kind = detail::fetch_action::kind;
    detail::fetch_step step(page, ctx_.policy, ctx_.settings.max_redirects, [this] {
        std::lock_guard lock(state_.mu);
        return state_.budget.try_spend();
    });
    // Later pages are asked for with the URL's credentials only on the URL's own origin.
    const std::string own_origin = original.origin();
    // Failures name the page when it is not the first.
    const std::string where =
        out.pages == 0 ? std::string() : "page " + std::to_string(out.pages + 1) + ": ";
    auto fail = [&](boost::system::error_code code, std::string error) {
        out.code = code;
        out.error = where + std::move(error);
        return std::optional<page_result>();
    };
    const unsigned earlier_attempts = out.attempts;  // of earlier pages
    detail::fetch_action next = step.start();
    for (;;) {
        out.attempts = earlier_attempts + step.attempts();
        if (next.what == kind::fail) co_return fail(next.code, std::move(next.error));
        if (next.what == kind::wait) {
            ++retries;
            asio::steady_timer backoff(ex_, next.delay);
            if (auto [ec] = co_await backoff.async_wait(nothrow); ec) {
                // Cancelled in its sleep: the run is stopping.
                co_return fail(make_error_code(errc::interrupted), ctx_.stop.stopping()
                                                                       ? ctx_.stop.reason()
                                                                       : std::string("cancelled"));
            }
            next = step.on_waited();
            continue;
        }
        attempt_result r = co_await attempt(
            step.url(), step.send_credentials() && step.url().origin() == own_origin);
        if (!r.ok) {
            next = step.on_failure(r.failure, r.error, time_left());
            continue;
        }
        response& resp = *r.ok;
        next = step.on_response({resp.status, resp.reason, resp.location, resp.retry_after},
                                std::chrono::system_clock::now(), time_left());
        if (next.what != kind::done) continue;
        auto body = decode_content(std::move(resp.body), resp.content_encoding,
                                   ctx_.settings.max_body, original.redacted);
        if (!body) co_return fail(body.error().code, body.error().reason);
        auto parsed = parse_api_records(*body, ctx_.rule_set, original.redacted,
                                        ctx_.settings.rejects, ctx_.settings.layout);
        if (!parsed) co_return fail(parsed.error().code, parsed.error().reason);
        page_result done;
        done.records = std::move(*parsed);
        done.url = step.url();
        done.link = std::move(resp.link);
        co_return done;
    }
}

asio::awaitable<attempt_result> shard::attempt(const http_url& url, bool send_credentials) {
    const auto deadline = steady::now() + ctx_.settings.timeout;
    const route way = ctx_.proxies.route_for(url);
    const std::string& origin = way.pool_key;
    std::unique_ptr<connection> conn = pool_.take(origin);
    bool reused = conn != nullptr;

    detail::get_options options;
    options.user_agent = ctx_.settings.user_agent;
    options.accept_encoding = accepted_encodings;
    options.headers = &ctx_.settings.headers;
    const auto req = to_beast(detail::make_get(url, way, send_credentials, options));

    for (;;) {
        if (!conn) {
            open_context open{ex_,       ctx_.tls,           ctx_.sessions, ctx_.settings,
                              ctx_.stop, connections_opened, tls_resumed};
            auto opened = co_await open_connection(open, url, way, deadline);
            if (!opened) co_return opened.error();
            conn = std::move(*opened);
            reused = false;
        }
        detail::http_response_parser parser;
        detail::apply_limits(parser, ctx_.settings.max_body);
        conn->tcp().expires_at(deadline);
        auto [wec, written] = conn->secure ? co_await http::async_write(*conn->secure, req, nothrow)
                                           : co_await http::async_write(*conn->plain, req, nothrow);
        boost::system::error_code ec = wec;
        if (!ec) {
            conn->tcp().expires_at(deadline);
            auto [rec, read] =
                conn->secure
                    ? co_await http::async_read(*conn->secure, conn->buffer, parser, nothrow)
                    : co_await http::async_read(*conn->plain, conn->buffer, parser, nothrow);
            ec = rec;
        }
        if (ec) {
            if (reused && !parser.got_some() && is_stale_connection(ec)) {
                // Resend once on a fresh connection; not a retry.
                conn.reset();
                reused = false;
                continue;
            }
            co_return classify(ec, ctx_.settings, ctx_.stop);
        }
        conn->first_handshake.reset();
        response resp = detail::take_response(parser);
        if (resp.keep_alive) pool_.put(origin, std::move(conn));
        attempt_result r;
        r.ok = std::move(resp);
        co_return r;
    }
}

}  // namespace salesproc::http_detail
