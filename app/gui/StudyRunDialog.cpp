#include "gui/StudyRunDialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

namespace hpt::gui {

StudyRunDialog::StudyRunDialog(const QJsonObject& experiment, const QString& storePath, const QString& exe,
                               const QStringList& pluginDirs, QWidget* parent)
    : QDialog(parent), experiment_(experiment), storePath_(storePath), exe_(exe), pluginDirs_(pluginDirs) {
    setWindowTitle("Run as study");
    seeds_ = new QSpinBox;
    seeds_->setRange(1, 50);
    seeds_->setValue(3);
    arms_ = new QLineEdit("full,hybrid");
    arms_->setToolTip(QString("Comma-separated: %1, or NAME=MODE@MAPPING").arg(study::armPresetNames().join(", ")));
    jobs_ = new QSpinBox;
    jobs_->setRange(1, std::max(1, QThread::idealThreadCount()));
    jobs_->setValue(1);
    auto* form = new QFormLayout;
    form->addRow("Seeds per arm", seeds_);
    form->addRow("Arms", arms_);
    form->addRow("Runs at a time", jobs_);
    table_ = new QTableWidget(0, 4);
    table_->setHorizontalHeaderLabels({"run", "arm", "seed", "status"});
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    log_ = new QPlainTextEdit;
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(2000);
    startBtn_ = new QPushButton("Start");
    stopBtn_ = new QPushButton("Stop");
    stopBtn_->setEnabled(false);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(startBtn_, QDialogButtonBox::ActionRole);
    buttons->addButton(stopBtn_, QDialogButtonBox::ActionRole);
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(new QLabel(QString("Every arm runs once per seed on the same data; the runs go to %1.").arg(storePath_)));
    lay->addLayout(form);
    lay->addWidget(table_, 2);
    lay->addWidget(log_, 1);
    lay->addWidget(buttons);
    resize(760, 560);

    connect(startBtn_, &QPushButton::clicked, this, &StudyRunDialog::start);
    connect(stopBtn_, &QPushButton::clicked, this, &StudyRunDialog::stop);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    proc_.setProcessChannelMode(QProcess::MergedChannels);
    connect(&proc_, &QProcess::readyRead, this, &StudyRunDialog::readOutput);
    connect(&proc_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) {
        readOutput();
        startBtn_->setEnabled(true);
        stopBtn_->setEnabled(false);
        const int exit = st == QProcess::NormalExit ? code : -1;
        log_->appendPlainText(QString("hpt study finished with exit code %1").arg(exit));
        emit studyFinished(spec_.id, exit);
    });
}

StudyRunDialog::~StudyRunDialog() {
    if (isRunning()) {
        proc_.terminate();  // the study asks its runs to stop after their current step
        proc_.waitForFinished(30000);
    }
}

bool StudyRunDialog::start() {
    if (isRunning()) return false;
    try {
        spec_ = {};
        spec_.experiment = experiment_;
        spec_.experimentName = experiment_.value("name").toString("experiment");
        spec_.arms = study::parseArms(arms_->text());
        const QJsonValue seed = experiment_.value("training").toObject().value("seed");
        spec_.seeds = study::parseSeeds(QString::number(seeds_->value()), seed.isDouble() ? seed.toInteger() : 42);
        spec_.id = study::computeId(spec_);  // the id `hpt study` computes from the same file
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Cannot run the study", e.what());
        return false;
    }
    const QString root = QFileInfo(storePath_).absoluteDir().filePath("studies");
    folder_ = root + "/" + spec_.id;
    const QString file = root + "/" + spec_.id + ".experiment.json";
    QSaveFile f(file);
    if (!QDir().mkpath(root) || !f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(experiment_).toJson()) < 0 || !f.commit()) {
        QMessageBox::warning(this, "Cannot run the study", QString("Cannot write %1: %2").arg(file, f.errorString()));
        return false;
    }
    table_->setRowCount(0);
    for (const auto& r : study::expandRuns(spec_)) {
        const int row = table_->rowCount();
        table_->insertRow(row);
        table_->setItem(row, 0, new QTableWidgetItem(study::runName(spec_, r.index)));
        table_->setItem(row, 1, new QTableWidgetItem(r.arm));
        table_->setItem(row, 2, new QTableWidgetItem(QString::number(r.seed)));
        table_->setItem(row, 3, new QTableWidgetItem("waiting"));
    }
    QStringList args{"study", file, "--seeds", QString::number(seeds_->value()), "--arms", arms_->text(), "--store",
                     storePath_, "--out", folder_, "-j", QString::number(jobs_->value())};
    for (const auto& d : pluginDirs_) args << "--plugin-dir" << d;
    log_->appendPlainText("hpt " + args.join(' '));
    pending_.clear();
    proc_.start(exe_, args);
    if (!proc_.waitForStarted(10000)) {
        QMessageBox::warning(this, "Cannot run the study", QString("Cannot start %1: %2").arg(exe_, proc_.errorString()));
        return false;
    }
    startBtn_->setEnabled(false);
    stopBtn_->setEnabled(true);
    return true;
}

void StudyRunDialog::stop() {
    if (isRunning()) proc_.terminate();
}

void StudyRunDialog::setStatus(const QString& runName, const QString& status, const QString& time) {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, 0)->text() == runName) table_->item(r, 3)->setText(time.isEmpty() ? status : status + " (" + time + ")");
}

void StudyRunDialog::readOutput() {
    pending_ += proc_.readAll();
    int nl;
    static const QRegularExpression started("^\\s*(\\S+): started"), ended("^\\s*\\[\\d+/\\d+\\] (\\S+): exit (\\d+) after ([0-9.]+ s)"),
        skipped("^\\s*(\\S+): already finished earlier");
    while ((nl = pending_.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(pending_.left(nl));
        pending_.remove(0, nl + 1);
        log_->appendPlainText(line);
        if (auto m = started.match(line); m.hasMatch()) setStatus(m.captured(1), "running");
        else if (auto d = ended.match(line); d.hasMatch())
            setStatus(d.captured(1), d.captured(2) == "0" ? "finished" : "failed, exit " + d.captured(2), d.captured(3));
        else if (auto s = skipped.match(line); s.hasMatch()) setStatus(s.captured(1), "finished earlier");
    }
}

}  // namespace hpt::gui
