#include "http/shard.hpp"

#include "http/piece_queue.hpp"
#include "http/wait_group.hpp"
#include "salesproc/api/body_pieces.hpp"
#include "salesproc/api/body_records.hpp"
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

asio::awaitable<bool> shard::back_off(milliseconds delay) {
    asio::steady_timer timer(ex_, delay);
    auto [ec] = co_await timer.async_wait(nothrow);
    co_return !ec;
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
            if (!co_await back_off(next.delay))  // cancelled in its sleep: the run is stopping
                co_return fail(make_error_code(errc::interrupted),
                               ctx_.stop.stopping() ? ctx_.stop.reason() : "cancelled");
            next = step.on_waited();
            continue;
        }
        auto sent =
            co_await send(step.url(), step.send_credentials() && step.url().origin() == own_origin);
        if (!sent) {
            next = step.on_failure(sent.error().failure, sent.error().error, time_left());
            continue;
        }
        const response& head = sent->head;
        next = step.on_response({head.status, head.reason, head.location, head.retry_after},
                                std::chrono::system_clock::now(), time_left());
        if (next.what != kind::done) {
            co_await discard_body(*sent);
            continue;
        }
        page_result done;
        const body_end got =
            co_await receive_records(*sent, step.url(), original.redacted, done.records);
        if (got.transport) {
            // Failed mid-body: the attempt contributes nothing; its retry is decided as for any
            // failed attempt.
            next = step.on_failure(got.transport->failure, got.transport->error, time_left());
            continue;
        }
        if (got.content) co_return fail(got.content->code, got.content->reason);
        done.url = step.url();
        done.link = head.link;
        co_return done;
    }
}

asio::awaitable<attempt_or<exchange>> shard::send(const http_url& url, bool send_credentials) {
    const route way = ctx_.proxies.route_for(url);
    detail::get_options options;
    options.user_agent = ctx_.settings.user_agent;
    options.accept_encoding = accepted_encodings;
    options.headers = &ctx_.settings.headers;
    const auto req = to_beast(detail::make_get(url, way, send_credentials, options));
    co_return co_await send_request(exchange_, url, way, req);
}

asio::awaitable<std::optional<attempt_result>> shard::read_body(exchange& x,
                                                                const body_sink& sink) {
    // One buffer per exchange in flight: memory depends on --concurrency, not on body sizes.
    // Kept for the next exchange: a small body must not pay for a fresh 64 KiB.
    std::unique_ptr<char[]> buffer;
    if (spare_buffers_.empty()) {
        buffer = std::make_unique_for_overwrite<char[]>(read_size);
    } else {
        buffer = std::move(spare_buffers_.back());
        spare_buffers_.pop_back();
    }
    struct give_back {
        shard& s;
        std::unique_ptr<char[]>& b;
        ~give_back() { s.spare_buffers_.push_back(std::move(b)); }
    } returned{*this, buffer};
    co_return co_await http_detail::read_body(exchange_, x, {buffer.get(), read_size}, sink);
}

asio::awaitable<void> shard::discard_body(exchange& x) {
    // A redirect's or an error's body: read to keep the connection, unless it is long.
    constexpr std::uint64_t keep_limit = 1 << 20;
    std::uint64_t seen = 0;
    co_await read_body(
        x, [&](std::string_view bytes) { return (seen += bytes.size()) <= keep_limit; });
}

// The body's bytes, decoded, go to a cutter whose pieces are read on the pool; a body that cannot
// be cut goes on as one stream on this thread from where cutting stopped.
asio::awaitable<shard::body_end> shard::receive_records(exchange& x, const http_url& page,
                                                        const std::string& context,
                                                        api_records& into) {
    body_end end;
    auto decoder = body_decoder::make(x.head.content_encoding, ctx_.settings.max_body, context);
    if (!decoder) {
        x.conn.reset();
        end.content = decoder.error();
        co_return end;
    }
    const std::string_view path = std::string_view(page.target).substr(0, page.target.find('?'));
    body_options options;
    options.layout = ctx_.settings.layout;
    options.rejects = ctx_.settings.rejects;
    options.max_record_size = ctx_.settings.max_record_size;
    // Two pieces a pool thread keep the pool busy while this thread reads.
    body_reading reading(ex_,
                         {ctx_.pool.ex ? &ctx_.pool.ex : nullptr, ctx_.pool.pieces,
                          2 * ctx_.pool.threads, ctx_.pool.buffers},
                         body_format(ctx_.settings.format, x.head.content_type, path),
                         ctx_.rule_set, options, context);
    const body_decoder::sink to_reader = [&](std::string_view bytes) {
        return reading.feed(bytes);
    };
    end.transport = co_await read_body(x, [&](std::string_view bytes) {
        auto fed = decoder->feed(bytes, to_reader);
        if (!fed) end.content = fed.error();
        return fed.has_value();
    });
    if (end.transport || end.content) co_return end;
    if (auto ok = decoder->finish(); !ok) {
        end.content = ok.error();
        co_return end;
    }
    auto got = co_await reading.finish();
    if (got)
        into = std::move(*got);
    else
        end.content = got.error();
    co_return end;
}

}  // namespace salesproc::http_detail
