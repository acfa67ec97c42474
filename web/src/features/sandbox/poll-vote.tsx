import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { SandboxMessage } from "../../../../shared/sandbox.schemas.js";
import { votePoll } from "../../api/sandbox.js";
import { ActionButton } from "../../components/action-button.js";
import { FormAlert, toFormFailure, type FormFailure } from "../../components/form.js";

type Poll = NonNullable<SandboxMessage["poll"]>;

interface PollVoteProps {
  number: string;
  chatId: string;
  idMessage: string;
  poll: Poll;
  /** After a vote is sent: the chat shows it. */
  onVoted: () => void;
}

/** A poll received on a phone: its options to choose from (one, or several where it allows), and Vote. */
export function PollVote({ number, chatId, idMessage, poll, onVoted }: PollVoteProps) {
  const { t } = useTranslation();
  const name = useId();
  const [chosen, setChosen] = useState<string[]>(poll.myVote ?? []);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);

  function toggle(option: string, isChecked: boolean) {
    if (!poll.multipleAnswers) setChosen(isChecked ? [option] : []);
    else setChosen((current) => (isChecked ? [...current, option] : current.filter((other) => other !== option)));
  }

  async function vote() {
    setBusy(true);
    try {
      await votePoll(number, chatId, idMessage, chosen);
      setFailure(null);
      onVoted();
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset className="poll-vote">
      <legend className="visually-hidden">{t("sandbox.chat.pollOptions")}</legend>
      {poll.options.map((option) => (
        <label key={option} className="poll-option">
          <input
            type={poll.multipleAnswers ? "checkbox" : "radio"}
            name={name}
            checked={chosen.includes(option)}
            onChange={(event) => toggle(option, event.currentTarget.checked)}
          />
          <bdi>{option}</bdi>
        </label>
      ))}
      <FormAlert failure={failure} />
      <ActionButton small busy={busy} onClick={() => void vote()}>
        {poll.myVote ? t("sandbox.chat.changeVote") : t("sandbox.chat.vote")}
      </ActionButton>
    </fieldset>
  );
}
