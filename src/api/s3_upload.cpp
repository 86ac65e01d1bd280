#include "salesproc/api/s3_upload.hpp"

#include <openssl/evp.h>
#include <pugixml.hpp>

namespace salesproc {

std::string content_md5(std::string_view body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr);
    std::string out(4 * ((length + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest,
                                  static_cast<int>(length));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

query_list create_upload_query() {
    return {{"uploads", ""}};
}

query_list upload_part_query(std::size_t part_number, std::string_view upload_id) {
    return {{"partNumber", std::to_string(part_number)}, {"uploadId", std::string(upload_id)}};
}

query_list upload_id_query(std::string_view upload_id) {
    return {{"uploadId", std::string(upload_id)}};
}

result<std::string> parse_upload_id(std::string_view xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size()))
        return make_error(errc::bad_response, "CreateMultipartUpload", "the answer is not XML");
    const std::string id =
        doc.child("InitiateMultipartUploadResult").child("UploadId").text().as_string();
    if (id.empty())
        return make_error(errc::bad_response, "CreateMultipartUpload",
                          "the answer has no UploadId");
    return id;
}

std::string complete_upload_body(const std::vector<std::string>& etags) {
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
    root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
    for (std::size_t i = 0; i < etags.size(); ++i) {
        pugi::xml_node part = root.append_child("Part");
        part.append_child("PartNumber").text() = static_cast<unsigned long long>(i) + 1;
        part.append_child("ETag").text() = etags[i].c_str();
    }
    struct to_string : pugi::xml_writer {
        std::string out;
        void write(const void* data, std::size_t size) override {
            out.append(static_cast<const char*>(data), size);
        }
    } writer;
    doc.save(writer, "", pugi::format_raw);
    return writer.out;
}

std::string complete_upload_failure(std::string_view xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) return "the answer is not XML";
    const pugi::xml_node e = doc.child("Error");
    if (!e) return "";
    return std::string(e.child("Code").text().as_string()) + ": " +
           e.child("Message").text().as_string();
}

}  // namespace salesproc
