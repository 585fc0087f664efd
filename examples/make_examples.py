#!/usr/bin/env python3
"""Writes examples/traces/*.json: traces shaped exactly like the reference agent's logs.

25 Playwright MCP tools (the May 2025 tool set, `ref` arguments), tool-call arguments as
JSON strings, assistant content "\\n\\n" on tool-call turns, reasoning_content, several
user turns. Run it again after changing it; the outputs are committed.
"""
import json
import os

SCHEMA = "http://json-schema.org/draft-07/schema#"


def tool(name, description, props=None, required=None):
    params = {"type": "object", "properties": props or {}}
    if required:
        params["required"] = required
    params["additionalProperties"] = False
    params["$schema"] = SCHEMA
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": params}}


ELEMENT = {"type": "string", "description": "Human-readable element description used to obtain permission to interact with the element"}
REF = {"type": "string", "description": "Exact target element reference from the page snapshot"}
TOOLS = [
    tool("browser_close", "Close the page"),
    tool("browser_resize", "Resize the browser window",
         {"width": {"type": "number", "description": "Width of the browser window"},
          "height": {"type": "number", "description": "Height of the browser window"}}, ["width", "height"]),
    tool("browser_console_messages", "Returns all console messages"),
    tool("browser_handle_dialog", "Handle a dialog",
         {"accept": {"type": "boolean", "description": "Whether to accept the dialog."},
          "promptText": {"type": "string", "description": "The text of the prompt in case of a prompt dialog."}}, ["accept"]),
    tool("browser_file_upload", "Upload one or multiple files",
         {"paths": {"type": "array", "items": {"type": "string"}, "description": "The absolute paths to the files to upload. Can be a single file or multiple files."}}, ["paths"]),
    tool("browser_install", "Install the browser specified in the config. Call this if you get an error about the browser not being installed."),
    tool("browser_press_key", "Press a key on the keyboard",
         {"key": {"type": "string", "description": "Name of the key to press or a character to generate, such as `ArrowLeft` or `a`"}}, ["key"]),
    tool("browser_navigate", "Navigate to a URL",
         {"url": {"type": "string", "description": "The URL to navigate to"}}, ["url"]),
    tool("browser_navigate_back", "Go back to the previous page"),
    tool("browser_navigate_forward", "Go forward to the next page"),
    tool("browser_network_requests", "Returns all network requests since loading the page"),
    tool("browser_pdf_save", "Save page as PDF"),
    tool("browser_take_screenshot", "Take a screenshot of the current page. You can't perform actions based on the screenshot, use browser_snapshot for actions.",
         {"raw": {"type": "boolean", "description": "Whether to return without compression (in PNG format). Default is false, which returns a JPEG image."}}),
    tool("browser_snapshot", "Capture accessibility snapshot of the current page, this is better than screenshot"),
    tool("browser_click", "Perform click on a web page", {"element": ELEMENT, "ref": REF}, ["element", "ref"]),
    tool("browser_drag", "Perform drag and drop between two elements",
         {"startElement": ELEMENT, "startRef": REF, "endElement": ELEMENT, "endRef": REF},
         ["startElement", "startRef", "endElement", "endRef"]),
    tool("browser_hover", "Hover over element on page", {"element": ELEMENT, "ref": REF}, ["element", "ref"]),
    tool("browser_type", "Type text into editable element",
         {"element": ELEMENT, "ref": REF,
          "text": {"type": "string", "description": "Text to type into the element"},
          "submit": {"type": "boolean", "description": "Whether to submit entered text (press Enter after)"},
          "slowly": {"type": "boolean", "description": "Whether to type one character at a time."}},
         ["element", "ref", "text"]),
    tool("browser_select_option", "Select an option in a dropdown",
         {"element": ELEMENT, "ref": REF,
          "values": {"type": "array", "items": {"type": "string"}, "description": "Array of values to select in the dropdown."}},
         ["element", "ref", "values"]),
    tool("browser_tab_list", "List browser tabs"),
    tool("browser_tab_new", "Open a new tab",
         {"url": {"type": "string", "description": "The URL to navigate to in the new tab. If not provided, the new tab will be blank."}}),
    tool("browser_tab_select", "Select a tab by index",
         {"index": {"type": "number", "description": "The index of the tab to select"}}, ["index"]),
    tool("browser_tab_close", "Close a tab",
         {"index": {"type": "number", "description": "The index of the tab to close. Closes current tab if not provided."}}),
    tool("browser_generate_playwright_test", "Generate a Playwright test for given scenario",
         {"name": {"type": "string", "description": "The name of the test"},
          "description": {"type": "string", "description": "The description of the test"},
          "steps": {"type": "array", "items": {"type": "string"}, "description": "The steps of the test"}},
         ["name", "description", "steps"]),
    tool("browser_wait_for", "Wait for text to appear or disappear or a specified time to pass",
         {"time": {"type": "number", "description": "The time to wait in seconds"},
          "text": {"type": "string", "description": "The text to wait for"},
          "textGone": {"type": "string", "description": "The text to wait for to disappear"}}),
]
assert len(TOOLS) == 25

GUIDANCE = open(os.path.join(os.path.dirname(__file__), "guidance_prompt.txt")).read()

_call_counter = [0]


def call(name, args, as_object=False):
    _call_counter[0] += 1
    return {"id": "chatcmpl-tool-%032x" % (0x5eed0000 + _call_counter[0] * 7919), "type": "function",
            "function": {"name": name, "arguments": args if as_object else json.dumps(args)}}


def asst(reasoning, calls=None, content=None):
    m = {"role": "assistant", "content": content if content is not None else ("\n\n" if calls else ""),
         "reasoning_content": reasoning}
    if calls:
        m["tool_calls"] = calls
    return m


def result(c, text):
    return {"role": "tool", "tool_call_id": c["id"], "content": text}


def snapshot(url, title, body):
    lines = ["- Ran Playwright code:", "```js", "// Navigate to %s" % url,
             "await page.goto('%s');" % url, "```", "", "- Page URL: %s" % url,
             "- Page Title: %s" % title, "- Page Snapshot", "```yaml"]
    for i, item in enumerate(body):
        lines.append("- %s [ref=s1e%d]" % (item, i + 3))
    lines.append("```")
    return "\n".join(lines)


PRODUCTS = ["heading \"Trelis Research\" [level=1]", "link \"Home\"", "link \"Products\"",
            "link \"ADVANCED-fine-tuning Repo\"", "link \"ADVANCED-inference Repo\"",
            "link \"ADVANCED-vision Repo\"", "link \"ADVANCED-transcription Repo\"",
            "link \"Learn more\"", "link \"One-click LLM templates\"", "paragraph: Fine-tuning and inference scripts"]


def write(name, trace):
    path = os.path.join(os.path.dirname(__file__), "traces", name + ".json")
    with open(path, "w") as f:
        json.dump(trace, f, indent=2, ensure_ascii=False)
        f.write("\n")


def trace(ts, messages):
    return {"timestamp": ts, "model": "Qwen/Qwen3-30B-A3B-FP8", "messages": messages, "tools": TOOLS}


# A: guidance system prompt, 2 user turns, 6 assistant messages (4 tool-call turns).
c1 = call("browser_navigate", {"url": "https://trelis.com"})
c2 = call("browser_click", {"element": "Products link", "ref": "s1e5"})
c3 = call("browser_click", {"element": "Learn more link", "ref": "s1e10"})
c4 = call("browser_tab_select", {"index": 1})
long_page = snapshot("https://trelis.com/products", "Products - Trelis Research", PRODUCTS * 160)
cut = 16000
truncated_page = long_page[:cut] + "\n[Content truncated to %d characters]" % cut
write("Go_to_trelis_com_and_list_the_20250529_101502", trace("20250529_101502", [
    {"role": "system", "content": GUIDANCE},
    {"role": "user", "content": "Go to trelis.com and list the products for sale."},
    asst("The user wants the products on trelis.com. I should open the site first.", [c1]),
    result(c1, snapshot("https://trelis.com", "Trelis Research", PRODUCTS[:4])),
    asst("The home page has a Products link (ref s1e5). Clicking it should list everything.", [c2]),
    result(c2, truncated_page),
    asst("The products page lists four repositories. I can answer now.",
         content="Trelis sells four repositories:\n\n1. ADVANCED-fine-tuning\n2. ADVANCED-inference\n3. ADVANCED-vision\n4. ADVANCED-transcription"),
    {"role": "user", "content": "Open the \"Learn more\" page for the fine-tuning repo and tell me the price."},
    asst("Learn more is ref s1e10. It opens a new tab, which I will need to switch to.", [c3]),
    result(c3, "- Ran Playwright code:\n```js\n// Click Learn more link\nawait page.getByRole('link', { name: 'Learn more' }).click();\n```\n\n### Open tabs\n- 0: (current) [Products - Trelis Research] (https://trelis.com/products)\n- 1: [ADVANCED-fine-tuning] (https://trelis.com/advanced-fine-tuning)"),
    asst("A new tab opened at index 1. Switch to it.", [c4]),
    result(c4, snapshot("https://trelis.com/advanced-fine-tuning", "ADVANCED-fine-tuning",
                        ["heading \"ADVANCED-fine-tuning Repo\" [level=1]", "paragraph: Lifetime access for $199", "button \"Buy now\""])),
    asst("The page says lifetime access costs $199.",
         content="The ADVANCED-fine-tuning repository costs **$199** for lifetime access."),
]))

# B: no system prompt, 1 user turn, 2 assistant messages.
c5 = call("browser_navigate", {"url": "https://example.com"})
b_messages = [
    {"role": "user", "content": "What is the title of example.com?"},
    asst("Navigate there and read the title.", [c5]),
    result(c5, snapshot("https://example.com", "Example Domain", ["heading \"Example Domain\" [level=1]", "paragraph: This domain is for use in illustrative examples in documents."])),
    asst("The page title is Example Domain.", content="The title is \"Example Domain\"."),
]
write("What_is_the_title_of_example_20250529_103011", trace("20250529_103011", b_messages))

# C: 3 user turns, a rejected tool call, 6 assistant messages.
c6 = call("browser_navigate", {"url": "https://news.ycombinator.com"})
c7 = call("browser_navigate", {"url": "https://news.ycombinator.com"})
c8 = call("browser_click", {"element": "More link", "ref": "s1e33"})
write("Check_the_top_story_on_Hacker_20250529_104522", trace("20250529_104522", [
    {"role": "user", "content": "Check the top story on Hacker News"},
    asst("Open Hacker News.", [c6]),
    result(c6, "User rejected tool call."),
    asst("The user rejected the navigation.", content="Understood, I won't open the page. Tell me if you want me to try again."),
    {"role": "user", "content": "Sorry, go ahead now. And also look at the second page."},
    asst("Navigate again, then click More for page two.", [c7]),
    result(c7, snapshot("https://news.ycombinator.com", "Hacker News", ["link \"Show HN: A tiny trace curator\"", "link \"More\""])),
    asst("Top story found. Now page two via More (ref s1e33).", [c8]),
    result(c8, snapshot("https://news.ycombinator.com/?p=2", "Hacker News", ["link \"Ask HN: How do you fine-tune agents?\""])),
    asst("I have both pages.", content="The top story is \"Show HN: A tiny trace curator\". Page two starts with \"Ask HN: How do you fine-tune agents?\"."),
    {"role": "user", "content": "Thanks! Which one is more popular?"},
    asst("I didn't read the points; be honest.", content="I didn't capture the points for either story, so I can't say which is more popular without checking again."),
]))

# D: two consecutive user messages (merge candidates), an HF token to redact, tool args as an object.
c9 = call("browser_navigate", {"url": "https://huggingface.co/settings/tokens"}, as_object=True)
write("Log_into_huggingface_and_check_20250529_110040", trace("20250529_110040", [
    {"role": "user", "content": "Log into huggingface and check my tokens page."},
    {"role": "user", "content": "My token is hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 if you need it."},
    asst("I must not use the token in the page. Just open the settings page.", [c9]),
    result(c9, snapshot("https://huggingface.co/settings/tokens", "Access Tokens", ["heading \"Access Tokens\" [level=1]", "button \"Create new token\""])),
    asst("The tokens page is open.", content="The tokens page is open; it shows a \"Create new token\" button. I did not use the token you shared."),
]))

# E: the same conversation as B from a second run (new call ids, new timestamp): a duplicate.
e_messages = json.loads(json.dumps(b_messages))
e_messages[1]["tool_calls"][0]["id"] = "chatcmpl-tool-e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0"
e_messages[2]["tool_call_id"] = "chatcmpl-tool-e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0"
write("What_is_the_title_of_example_20250529_113300", trace("20250529_113300", e_messages))

# F: a broken run: a call missing a required argument, then a dangling call (session quit).
c10 = call("browser_click", {"element": "Sign in button"})
c11 = call("browser_navigate", {"url": "https://github.com/login"})
write("Sign_into_github_20250529_120101", trace("20250529_120101", [
    {"role": "user", "content": "Sign into github"},
    asst("Click sign in.", [c10]),
    result(c10, "Error: Invalid arguments for tool browser_click: ref is required"),
    asst("I forgot the ref. Navigate to the login page instead.", [c11]),
]))
