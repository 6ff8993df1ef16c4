from peerfund.core.masking import mask_card, mask_email, mask_id_number, mask_name, mask_phone


def test_personal_data_is_masked_for_display():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_card("6222 0212 3456 7890 123") == "**** 0123"
    assert mask_email("alice@example.com") == "a***@example.com"
    assert mask_name("") == ""
