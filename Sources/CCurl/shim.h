#ifndef SCOPEGATE_CCURL_SHIM_H
#define SCOPEGATE_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * Typed wrappers around libcurl's variadic entry points, which Swift cannot import
 * (curl_easy_setopt, curl_easy_getinfo, curl_multi_setopt). One wrapper per
 * argument type; the caller is responsible for passing an option of that type.
 */

/* Callback shapes: write/header/read share one signature (curl.h: curl_write_callback, curl_read_callback). */
typedef size_t (*scopegate_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*scopegate_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode scopegate_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode scopegate_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* For string options libcurl copies the string (curl_easy_setopt(3), since 7.17.0). */
static inline CURLcode scopegate_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* For CURLOPT_*DATA, CURLOPT_PRIVATE and CURLOPT_ERRORBUFFER: not copied, must outlive the transfer. */
static inline CURLcode scopegate_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Lists are not copied: the slist must outlive the transfer. */
static inline CURLcode scopegate_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode scopegate_easy_setopt_data_callback(CURL *handle, CURLoption option, scopegate_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode scopegate_easy_setopt_seek_callback(CURL *handle, CURLoption option, scopegate_curl_seek_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode scopegate_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode scopegate_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode scopegate_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/* CURLMsg.data is a union; for CURLMSG_DONE its member is the transfer's result. */
static inline CURLcode scopegate_multi_message_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
