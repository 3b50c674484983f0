"""While1's own originate-call example (its API document), shared by the sandbox's tests."""

ORIGINATE_EXAMPLE = {
    "data": {
        "project_id": 1,
        "caller_id": "0123456789",
        "caller_id_name": "John Doe",
        "type": "queue",
        "destination": "test-queue",
        "external_id": "asdf1234",
        "async": 1,
        "outbound_number": "+40212345678",
        "outbound_trunk": "default-trunk",
        "vars": {
            "SKIP_WELCOME": 1,
            "SKIP_WE_ARE_RECORDING": 1,
            "SKIP_ENTER_QUEUE": 0,
            "BACKEND_LINK": "https://crm.example.com/?change_this_url=1234",
        },
    },
}

# The vendor's own example, signed by PHP 8.2 with api_key "k3y":
# md5(http_build_query($params) . 'k3y'); the query string below is PHP's output.
PHP_QUERY = (
    "data%5Bproject_id%5D=1&data%5Bcaller_id%5D=0123456789&data%5Bcaller_id_name%5D=John+Doe"
    "&data%5Btype%5D=queue&data%5Bdestination%5D=test-queue&data%5Bexternal_id%5D=asdf1234"
    "&data%5Basync%5D=1&data%5Boutbound_number%5D=%2B40212345678"
    "&data%5Boutbound_trunk%5D=default-trunk&data%5Bvars%5D%5BSKIP_WELCOME%5D=1"
    "&data%5Bvars%5D%5BSKIP_WE_ARE_RECORDING%5D=1&data%5Bvars%5D%5BSKIP_ENTER_QUEUE%5D=0"
    "&data%5Bvars%5D%5BBACKEND_LINK%5D=https%3A%2F%2Fcrm.example.com%2F%3Fchange_this_url%3D1234"
)
PHP_HASH = "3ebf0c334b07dd1b492d7c96540dbbbf"
