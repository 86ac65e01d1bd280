// The exports people really get (part 17), each file made the way the real tool makes it: Excel's
// "CSV UTF-8" (a BOM, CRLF, capitalised headers), a German ERP's ';' export with decimal commas
// in Windows-1252, Excel's "Unicode Text" (UTF-16 LE with a BOM, tabs), a sep= first line, a title
// above the header. Each case in every form: compressed, several files, shards, API records.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace salesproc {
namespace {

using namespace test;
using ordered_json = nlohmann::ordered_json;

// UTF-8 text (BMP only) as UTF-16 LE with a byte-order mark, as Excel saves "Unicode Text".
std::string utf16le_with_bom(const std::string& utf8) {
    std::string out = "\xFF\xFE";
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        unsigned cp = c;
        std::size_t n = 1;
        if (c >= 0xE0) {
            cp = (c & 0x0FU) << 12 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3FU) << 6 |
                 (static_cast<unsigned char>(utf8[i + 2]) & 0x3FU);
            n = 3;
        } else if (c >= 0xC0) {
            cp = (c & 0x1FU) << 6 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3FU);
            n = 2;
        }
        out += static_cast<char>(cp & 0xFF);
        out += static_cast<char>(cp >> 8);
        i += n;
    }
    return out;
}

ordered_json run_ok(const std::vector<std::string>& args, std::string* err = nullptr) {
    temp_dir dir;
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--out", dir.file("r.json")});
    const auto r = salesproc(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (err != nullptr) *err = r.err;
    return r.exit_code == 0 ? ordered_json::parse(read_file(dir.file("r.json"))) : ordered_json();
}

// Excel's "CSV UTF-8": BOM, CRLF, Product,Price,Quantity. The columns match loosely, said once.
TEST(Messy, ExcelHeadersMatchLooselyWithAnInfoLine) {
    temp_dir dir;
    write_file(dir.file("excel.csv"),
               "\xEF\xBB\xBFProduct,Price ,QUANTITY\r\nHalal A,12.50,2\r\nHalal B,20.00,1\r\n");
    std::string err;
    const auto doc = run_ok({"--csv", dir.file("excel.csv")}, &err);
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["total_sales"].dump(), "45.0");
    EXPECT_NE(err.find("column matched loosely path=" + dir.file("excel.csv") +
                       " field=price column=Price position=2"),
              std::string::npos)
        << err;
    // --field by position reads a column whatever it is called.
    write_file(dir.file("odd.csv"), "Artikel,Preis,Menge\nHalal A,12.50,2\n");
    const auto odd = run_ok({"--csv", dir.file("odd.csv"), "--field", "product=#1", "--field",
                             "price=#2", "--field", "quantity=#3", "-q"});
    EXPECT_EQ(odd["valid_sales"], 1);
    // Without them: the error suggests the --field for the closest name.
    write_file(dir.file("near.csv"), "product,prices,quantity\nHalal A,12.50,2\n");
    const auto r = salesproc({"--csv", dir.file("near.csv"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "try --field price=prices");
}

// A column twice, or two columns matching loosely: never the first one silently.
TEST(Messy, AColumnTwiceIsAnErrorNamingThePositions) {
    temp_dir dir;
    write_file(dir.file("twice.csv"), "product,price,quantity,price\nHalal A,12.50,2,99.00\n");
    auto r = salesproc({"--csv", dir.file("twice.csv"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r,
                          "column 'price': the header has 'price' at position 2 and 'price' at "
                          "position 4: name the one to read with --field price=#2");
    write_file(dir.file("loose.csv"), "product,Price,PRICE,quantity\nHalal A,12.50,1,2\n");
    r = salesproc({"--csv", dir.file("loose.csv"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "'Price' at position 2 and 'PRICE' at position 3");
    EXPECT_FALSE(std::filesystem::exists(dir.file("r.json")));
    const auto picked = run_ok({"--csv", dir.file("twice.csv"), "--field", "price=#4", "-q"});
    EXPECT_EQ(picked["total_sales"].dump(), "198.0");
}

// A German ERP's export: ';', CRLF, Windows-1252, decimal commas and '.' between thousands.
TEST(Messy, EuropeanNumbersExactlyWhenDeclaredLoudWhenNot) {
    temp_dir dir;
    const std::string text =
        "Artikel;Preis;Menge\r\nHalal Caf\xE9;12,50;2\r\nHalal Tee;"
        "\"1.234,50\";1\r\nHalal Reis;1.234.567,00;1\r\nHalal Dattel;1.23,4;1\r\n";
    write_file(dir.file("erp.csv"), text);
    const std::vector<std::string> shape{
        "--csv",           dir.file("erp.csv"), "--delimiter", ";",       "--field",
        "product=Artikel", "--field",           "price=Preis", "--field", "quantity=Menge"};
    // Undeclared: every such row is bad_price, and the run says so even with -q.
    auto args = shape;
    args.push_back("-q");
    std::string err;
    auto doc = run_ok(args, &err);
    EXPECT_EQ(doc["valid_sales"], 0);
    EXPECT_NE(err.find("salesproc: warn: " + dir.file("erp.csv") +
                       ": 4 of 4 rows (100%) rejected as bad_price, e.g. line 2: price '12,50' is "
                       "not a plain decimal number: a decimal comma? try --decimal-separator ,\n"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("1 byte is not UTF-8 (the first on line 2)"), std::string::npos) << err;
    // Declared: exact, groups checked, and the encoding read.
    args.insert(args.end(), {"--decimal-separator", ",", "--thousands-separator", ".", "--encoding",
                             "cp1252", "--rejects", dir.file("rej.csv")});
    doc = run_ok(args);
    EXPECT_EQ(doc["valid_sales"], 3);
    EXPECT_EQ(doc["total_sales"].dump(), "1235826.5");  // 25.00 + 1234.50 + 1234567.00
    EXPECT_EQ(doc["unique_products"][0], "Halal Caf\xC3\xA9");
    EXPECT_EQ(doc["rules"]["decimal_separator"], ",");
    EXPECT_EQ(doc["rules"]["thousands_separator"], ".");
    EXPECT_NE(read_file(dir.file("rej.csv")).find("thousands groups are not well formed"),
              std::string::npos);
    // The same from config keys, and from a gzip of the file.
    write_file(dir.file("c.yaml"),
               "delimiter: ';'\ndecimal_separator: ','\nthousands_separator: "
               "'.'\nencoding: cp1252\nfields: {product: Artikel, price: "
               "Preis, quantity: Menge}\n");
    write_file(dir.file("erp.csv.gz"), gzip_compress(text));
    const auto from_config =
        run_ok({"--csv", dir.file("erp.csv.gz"), "--config", dir.file("c.yaml"), "-q"});
    EXPECT_EQ(from_config["total_sales"].dump(), "1235826.5");
}

// What a bad price shows: the currency, the separator, the invisible character, by name.
TEST(Messy, RejectDetailsNameWhatWasSeen) {
    temp_dir dir;
    write_file(dir.file("money.csv"),
               "product,price,quantity\nHalal A,$12.50,1\nHalal B,12.50 USD,1\nHalal C,RM 12.50,1\n"
               "Halal D,\"1,234.50\",1\nHalal E,12.50\xC2\xA0,1\nhalal f,12.50,1\n"
               "\xE2\x80\x8BHalal G,12.50,1\nHalal H,12.50,2.0\n");
    run_ok({"--csv", dir.file("money.csv"), "--rejects", dir.file("rej.jsonl"), "-q"});
    std::vector<std::string> details;
    std::istringstream lines(read_file(dir.file("rej.jsonl")));
    for (std::string line; std::getline(lines, line);)
        details.push_back(ordered_json::parse(line)["detail"]);
    ASSERT_EQ(details.size(), 8U);
    const char* expected[] = {"a currency sign '$'",
                              "a currency code 'USD'",
                              "a currency code 'RM'",
                              "a thousands separator ','; try --thousands-separator ,",
                              "an invisible character U+00A0 NO-BREAK SPACE",
                              "(only the case differs)",
                              "(it starts with U+200B ZERO WIDTH SPACE)",
                              "a fraction: a quantity is a whole number"};
    for (std::size_t i = 0; i < details.size(); ++i)
        EXPECT_NE(details[i].find(expected[i]), std::string::npos) << details[i];
}

// Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, CRLF. Read as it is: never the
// CR-only diagnosis, whose advice would corrupt the file further.
TEST(Messy, Utf16FromItsByteOrderMark) {
    temp_dir dir;
    write_file(dir.file("unicode.txt"),
               utf16le_with_bom("product\tprice\tquantity\r\nHalal Caf\xC3\xA9\t12.50\t2\r\n"
                                "Halal \xE2\x82\xAC Tea\t20.00\t1\r\n"));
    const auto doc = run_ok({"--csv", dir.file("unicode.txt"), "--delimiter", "tab", "-q"});
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["unique_products"][1], "Halal \xE2\x82\xAC Tea");
    const auto r = salesproc({"--csv", dir.file("unicode.txt"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.err.find("CR only"), std::string::npos) << r.err;
}

// Latin-1 names under the default UTF-8: one warning, and three names that stay three.
TEST(Messy, BytesThatAreNotUtf8AreCountedAndNamesStayDistinct) {
    temp_dir dir;
    write_file(dir.file("latin1.csv"),
               "product,price,quantity\nHalal Caf\xE9,12.00,1\n"
               "Halal Caf\xE8,12.00,1\nHalal Caf\xEA,12.00,1\n");
    std::string err;
    const auto doc = run_ok({"--csv", dir.file("latin1.csv"), "-q"}, &err);
    EXPECT_EQ(err, "salesproc: warn: " + dir.file("latin1.csv") +
                       ": 3 bytes are not UTF-8 (the first on line 2); names holding them are "
                       "shown with their bytes. If the file is Windows-1252 or Latin-1, try "
                       "--encoding cp1252\n");
    const auto& names = doc["unique_products"];
    ASSERT_EQ(names.size(), 3U);
    EXPECT_NE(names[0], names[1]);
    EXPECT_NE(names[1], names[2]);
    EXPECT_EQ(names[0], "Halal Caf\xEF\xBF\xBD [bytes: 48 61 6c 61 6c 20 43 61 66 e9]");
    const auto read = run_ok({"--csv", dir.file("latin1.csv"), "--encoding", "latin1", "-q"});
    EXPECT_EQ(read["unique_products"][2], "Halal Caf\xC3\xAA");
}

// Excel's sep=; line and a title above the header; line numbers stay physical.
TEST(Messy, LinesAboveTheHeader) {
    temp_dir dir;
    write_file(dir.file("sep.csv"),
               "sep=;\r\nproduct;price;quantity\r\nHalal A;12.50;2\r\n"
               "Monitor;1.00;1\r\n");
    run_ok({"--csv", dir.file("sep.csv"), "--rejects", dir.file("rej.csv"), "-q"});
    EXPECT_NE(read_file(dir.file("rej.csv")).find(",4,bad_prefix,"), std::string::npos);
    write_file(dir.file("title.csv"),
               "Sales export 2024-06-01\nproduct,price,quantity\n"
               "Halal A,12.50,2\nbad\n");
    auto r = salesproc({"--csv", dir.file("title.csv"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "skip them with --skip-lines N");
    const auto doc = run_ok({"--csv", dir.file("title.csv"), "--skip-lines", "1", "--rejects",
                             dir.file("rej2.csv"), "-q"});
    EXPECT_EQ(doc["valid_sales"], 1);
    EXPECT_NE(read_file(dir.file("rej2.csv")).find(",4,malformed_row,"), std::string::npos);
    // --delimiter wins over a sep= line.
    r = salesproc({"--csv", dir.file("sep.csv"), "--out", dir.file("r.json"), "--delimiter", ","});
    EXPECT_EQ(r.exit_code, 1);
}

// The README's decision: a quantity may carry a '+', surrounding spaces and leading zeros.
TEST(Messy, QuantitiesAsDocumented) {
    temp_dir dir;
    write_file(dir.file("q.csv"),
               "product,price,quantity\nHalal A,10.00,+5\nHalal A,10.00, 7 \n"
               "Halal A,10.00,007\nHalal A,10.00,1 000\n");
    const auto doc = run_ok({"--csv", dir.file("q.csv"), "-q"});
    EXPECT_EQ(doc["valid_sales"], 3);
    EXPECT_EQ(doc["sales_by_product"][0]["quantity"], 19);
    const auto grouped = run_ok({"--csv", dir.file("q.csv"), "--thousands-separator", "space",
                                 "--max-quantity", "5000", "-q"});
    EXPECT_EQ(grouped["sales_by_product"][0]["quantity"], 1019);
}

// Everywhere at once: a title and a sep= line count for shard 0 only, and shards merge into the
// single run; several files each get their own; any --chunk-size gives the same report.
TEST(Messy, ShardsSeveralFilesAndChunkSizesAgree) {
    temp_dir dir;
    std::string text = "Export 2024\nsep=;\nProduct;Price;Quantity\n";
    for (int i = 0; i < 2000; ++i)
        text += "Halal " + std::to_string(i % 37) + ";" + std::to_string(10 + i % 9) + ",5" +
                std::to_string(i % 10) + ";" + std::to_string(1 + i % 4) + "\n";
    write_file(dir.file("eu.csv"), text);
    const std::vector<std::string> opts{"--skip-lines", "1", "--decimal-separator", ",", "-q"};
    auto single_args = std::vector<std::string>{"--csv", dir.file("eu.csv")};
    single_args.insert(single_args.end(), opts.begin(), opts.end());
    const auto single = run_ok(single_args);
    EXPECT_EQ(single["valid_sales"], 2000);
    for (const char* chunk : {"1", "7", "4096"}) {
        auto a = single_args;
        a.insert(a.end(), {"--chunk-size", chunk});
        auto doc = run_ok(a);
        EXPECT_EQ(doc["sales_by_product"], single["sales_by_product"]) << chunk;
    }
    std::vector<std::string> merge{"merge", "--out", dir.file("m.json")};
    for (int k = 0; k < 3; ++k) {
        std::vector<std::string> a{"--csv",   dir.file("eu.csv"),
                                   "--shard", std::to_string(k) + "/3",
                                   "--out",   dir.file("s" + std::to_string(k) + ".json")};
        a.insert(a.end(), opts.begin(), opts.end());
        ASSERT_EQ(salesproc(a).exit_code, 0);
        merge.push_back(dir.file("s" + std::to_string(k) + ".json"));
    }
    ASSERT_EQ(salesproc(merge).exit_code, 0);
    const auto merged = ordered_json::parse(read_file(dir.file("m.json")));
    EXPECT_EQ(merged["total_sales"], single["total_sales"]);
    EXPECT_EQ(merged["sales_by_product"], single["sales_by_product"]);
    auto two = std::vector<std::string>{"--csv", dir.file("eu.csv"), "--csv", dir.file("eu.csv")};
    two.insert(two.end(), opts.begin(), opts.end());
    EXPECT_EQ(run_ok(two)["valid_sales"], 4000);
}

// API records: keys matched as header columns are, strings in the declared format, JSON
// numbers always plain.
TEST(Messy, ApiRecordsMatchKeysLooselyAndReadDeclaredNumbers) {
    mock_server srv(tls_options());
    temp_dir dir;
    write_file(dir.file("empty.csv"), "product,price,quantity\n");
    const auto doc = run_ok({"--csv", dir.file("empty.csv"), "--cacert", shared_pki().ca_file,
                             "--api-url", srv.url("/sales/eu"), "--decimal-separator", ",",
                             "--thousands-separator", ".", "-q"});
    EXPECT_EQ(doc["api"]["valid_sales"], 3);
    EXPECT_EQ(doc["total_sales"].dump(), "1272.0");  // 25.00 + 1234.50 + 12.50
}

}  // namespace
}  // namespace salesproc
