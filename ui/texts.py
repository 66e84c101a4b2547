"""Words on screen that are not tied to one handler: example questions, the empty-index guide, and the
Vietnamese for Gradio's own labels (Gradio ships no Vietnamese; `ui.app` registers these and makes
Vietnamese the page's language, so nothing on screen is in English)."""

from __future__ import annotations

from collections.abc import Iterable

QUY_NHON = "000_3221774fd58b1c41"
HA_LONG = "001_920123d9554d1714"
BINH_SON = "002_189a1961355b855e"
TINH_AN = "004_1ba10a35eaeb2799"
SAMPLE_REPORTS = {QUY_NHON, HA_LONG, BINH_SON, "003_1a4112f8a308d6ec", TINH_AN}

# (question, reports it needs): shown on a first visit when those reports are indexed. Each is
# answered correctly, with the right citation, on the sample corpus (data/reports).
EXAMPLES: list[tuple[str, frozenset[str]]] = [
    ("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại trong 6 tháng đầu năm 2024?", frozenset({QUY_NHON})),
    ("Những địa phương nào đã xây dựng mô hình dân vận khéo?", frozenset({QUY_NHON, HA_LONG})),
    ("Năm 2020 thành phố Hạ Long có bao nhiêu dịch vụ công trực tuyến mức độ 3, 4?", frozenset({HA_LONG})),
    ("Huyện Bình Sơn đã thành lập được bao nhiêu tổ An ninh nhân dân, tổ bảo vệ dân phố?", frozenset({BINH_SON})),
    ("Năm 2023 xã Tịnh An giảm được bao nhiêu hộ nghèo?", frozenset({TINH_AN})),
]


def example_questions(report_ids: Iterable[str]) -> list[str]:
    indexed = set(report_ids)
    return [question for question, needs in EXAMPLES if needs <= indexed]


TITLE = "Hỏi đáp báo cáo UBND"
INTRO = ("Đặt câu hỏi bằng tiếng Việt về các báo cáo đã nạp. Mỗi câu trả lời kèm nguồn: tên báo cáo, "
         "địa phương, ngày, mục và câu văn gốc được trích.")

CHAT_PLACEHOLDER = (
    "### Hỏi gì về các báo cáo?\n"
    "Gõ câu hỏi vào ô bên dưới rồi bấm **Gửi** (hoặc phím Enter). Có thể hỏi tiếp, ví dụ "
    "“còn năm 2023 thì sao?”. Bấm vào số [1], [2] trong câu trả lời để xem đoạn báo cáo gốc."
)
CHAT_PLACEHOLDER_EMPTY = (
    "### Chưa có báo cáo nào để hỏi\n"
    "Hãy vào thẻ **📚 Thư viện báo cáo**, bấm **📂 Chọn tệp báo cáo để nạp** và chọn các tệp báo cáo "
    "(.docx, .pdf, .txt, .md). Khi nạp xong, quay lại đây để đặt câu hỏi."
)
QUESTION_PLACEHOLDER = "Nhập câu hỏi về các báo cáo rồi bấm Gửi…"
AUTH_MESSAGE = "Đăng nhập để dùng ứng dụng hỏi đáp báo cáo."

# Gradio's own labels, by its translation keys (gradio/templates/frontend/assets/en-*.js).
GRADIO_VI = {
    "common": {
        "built_with": "xây dựng bằng", "built_with_gradio": "Xây dựng bằng Gradio", "clear": "Xóa",
        "download": "Tải xuống", "download_all": "Tải tất cả", "edit": "Sửa", "empty": "Trống", "error": "Lỗi",
        "hosted_on": "Chạy trên", "loading": "Đang tải", "logo": "biểu trưng", "or": "hoặc", "remove": "Bỏ",
        "settings": "Cài đặt", "share": "Chia sẻ", "submit": "Gửi", "undo": "Hoàn tác", "language": "Ngôn ngữ",
        "display_theme": "Giao diện", "progress": "Tiến độ", "run": "Chạy", "runs": "Các lần chạy",
        "back_to_app": "Ứng dụng", "back_to_app_description": "Quay lại ứng dụng", "no_devices": "Không có thiết bị",
    },
    "chatbot": {
        "edit": "Sửa", "retry": "Hỏi lại", "undo": "Hoàn tác", "submit": "Gửi", "cancel": "Hủy",
        "like": "Hữu ích", "dislike": "Chưa đúng", "clear": "Xóa cuộc trò chuyện", "complete": "Xong",
        "copy_message": "Sao chép", "copied_message": "Đã sao chép",
    },
    "chat_interface": {"new_chat": "Cuộc trò chuyện mới", "message_placeholder": "Nhập câu hỏi…",
                       "chatbot": "Trò chuyện", "conversation": "Cuộc trò chuyện"},
    "upload_text": {
        "click_to_upload": "Bấm để chọn tệp", "drop_file": "Thả tệp vào đây", "drop_csv": "Thả tệp CSV vào đây",
        "drop_audio": "Thả tệp âm thanh vào đây", "drop_image": "Thả ảnh vào đây", "drop_video": "Thả video vào đây",
        "drop_gallery": "Thả tệp vào đây", "paste_clipboard": "Dán từ bộ nhớ tạm",
    },
    "file": {"uploading": "Đang tải lên…"},
    "dataframe": {
        "sort_column": "Sắp xếp cột", "sort_ascending": "Sắp xếp tăng dần", "sort_descending": "Sắp xếp giảm dần",
        "clear_sort": "Bỏ sắp xếp", "filter": "Lọc", "clear_filter": "Bỏ lọc", "new_row": "Thêm dòng",
        "new_column": "Thêm cột", "drop_to_upload": "Thả tệp CSV hoặc TSV vào đây",
    },
    "dropdown": {"dropdown": "Danh sách chọn"},
    "checkbox": {"checkbox": "Ô chọn", "checkbox_group": "Nhóm ô chọn"},
    "slider": {"slider": "Thanh trượt"},
    "radio": {"radio": "Lựa chọn"},
    "number": {"number": "Số"},
    "status": {"queue_position": "Đang chờ: thứ {position} trên {size}"},
    "blocks": {
        "connection_can_break": "Trên điện thoại, kết nối có thể mất nếu chuyển sang thẻ khác hoặc máy ngủ.",
        "long_requests_queue": "Đang có nhiều yêu cầu chờ xử lý, xin đợi giây lát.",
        "lost_connection": "Mất kết nối do rời trang. Đang kết nối lại…",
        "waiting_for_inputs": "Đang chờ tải tệp lên xong, hãy thử lại.",
    },
    "errors": {"use_via_api": "Dùng qua API", "use_via_api_or_mcp": "Dùng qua API"},
    "login": {
        "username": "tên đăng nhập", "password": "mật khẩu", "login": "Đăng nhập",
        "incorrect_credentials": "Sai tên đăng nhập hoặc mật khẩu",
        "enable_cookies": "Hãy bật cookie của trình duyệt để đăng nhập.",
    },
}
