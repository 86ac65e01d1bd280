#include "salesproc/api/s3_upload.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(S3Upload, ContentMd5IsTheBase64OfTheDigest) {
    // RFC 1321's test suite, in base64 as S3 wants it.
    EXPECT_EQ(content_md5(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    EXPECT_EQ(content_md5("abc"), "kAFQmDzST7DWlj99KOF/cg==");
}

TEST(S3Upload, EachStepHasItsQuery) {
    EXPECT_EQ(create_upload_query(), (query_list{{"uploads", ""}}));
    EXPECT_EQ(upload_part_query(3, "id+1"),
              (query_list{{"partNumber", "3"}, {"uploadId", "id+1"}}));
    EXPECT_EQ(upload_id_query("id"), (query_list{{"uploadId", "id"}}));
}

TEST(S3Upload, TheUploadIdIsReadFromTheAnswerOrItsAbsenceNamed) {
    auto id = parse_upload_id(
        R"(<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult )"
        R"(xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key>)"
        R"(<UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>)");
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, "VXBsb2FkIElE");
    auto none = parse_upload_id("<InitiateMultipartUploadResult/>");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message(), "CreateMultipartUpload: the answer has no UploadId");
    EXPECT_FALSE(parse_upload_id("not xml <"));
}

TEST(S3Upload, TheCompletionListsThePartsInOrderAndItsLateFailureIsRead) {
    EXPECT_EQ(complete_upload_body({"\"a\"", "\"b\""}),
              R"(<?xml version="1.0"?><CompleteMultipartUpload )"
              R"(xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber>)"
              R"(<ETag>"a"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"b"</ETag></Part>)"
              R"(</CompleteMultipartUpload>)");
    EXPECT_EQ(complete_upload_failure("<CompleteMultipartUploadResult><ETag>x</ETag>"
                                      "</CompleteMultipartUploadResult>"),
              "");
    // S3 may answer 200 and fail in the body, after the headers went out.
    EXPECT_EQ(complete_upload_failure("<Error><Code>InternalError</Code><Message>We encountered "
                                      "an internal error.</Message></Error>"),
              "InternalError: We encountered an internal error.");
}

}  // namespace
}  // namespace salesproc
