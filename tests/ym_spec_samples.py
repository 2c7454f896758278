"""The JSV request and response samples of the YourMembership metadata page (spec 004), verbatim:
tabs and trailing spaces included. Shared by the codec tests and the dialect's contract tests."""

SPEC_REQUEST_BODY = """\
{
	EventID: 0,
	RegistrationID: String,
	BadgeNumber: 0,
	Sessions: 
	[
		{
			String: String
		}
	],
	ClientID: 0,
	ResponseStatus: 
	{
		ErrorCode: String,
		Message: String,
		StackTrace: String,
		Errors: 
		[
			{
				ErrorCode: String,
				FieldName: String,
				Message: String,
				Meta: 
				{
					String: String
				}
			}
		],
		Meta: 
		{
			String: String
		}
	},
	BypassCache: False,
	DateCached: 2024-05-03T02:03:39.8946258-04:00,
	Device: Desktop
}
"""

SPEC_RESPONSE_BODY = """\
{
	ClientID: 0,
	EventID: 0,
	RegistrationID: String,
	BadgeNumber: 0,
	Sessions: 
	[
		{
			String: String
		}
	],
	ResponseStatus: 
	{
		ErrorCode: String,
		Message: String,
		StackTrace: String,
		Errors: 
		[
			{
				ErrorCode: String,
				FieldName: String,
				Message: String,
				Meta: 
				{
					String: String
				}
			}
		],
		Meta: 
		{
			String: String
		}
	},
	BypassCache: False,
	DateCached: 2024-05-03T02:03:39.8946258-04:00,
	Device: Desktop
}
"""
